"""Train a Zoetrope text-to-video model with rectified flow. One command, resumable.

    /usr/bin/python3 models/train.py --config shapes-v1 --run models/runs/shapes-v1 --minutes 150

Re-running the same command resumes from <run>/ckpt.pt. The learning-rate schedule is tied to wall-clock
minutes (the budget on this CPU-only machine), so a resumed run continues the same schedule.
--init <ema.pt> starts a new run from committed EMA weights (how later sessions continue training).
"""
from __future__ import annotations

import argparse
import copy
import math
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from zoetrope.cpu_env import ensure_fast_env  # noqa: E402

ensure_fast_env()  # before torch loads: see cpu_env.py

import torch  # noqa: E402

from zoetrope.configs import get_config  # noqa: E402
from zoetrope.data import SceneStream, make_tokenizer  # noqa: E402
from zoetrope.flow import loss_fn  # noqa: E402
from zoetrope.model import Denoiser, TextEncoder, count_params  # noqa: E402


def build(cfg):
    tok = make_tokenizer(cfg.max_tokens)
    return TextEncoder(cfg, len(tok.vocab)), Denoiser(cfg)


def ema_state(te, dn):
    return {"text_encoder": te.state_dict(), "denoiser": dn.state_dict()}


def save_ema(path, cfg_name, ema_te, ema_dn, meta):
    half = {k: {n: v.half() if v.is_floating_point() else v for n, v in sd.items()}
            for k, sd in ema_state(ema_te, ema_dn).items()}
    tmp = path + ".tmp"
    torch.save({"config": cfg_name, "weights": half, "meta": meta}, tmp)
    os.replace(tmp, path)


def load_ema(path, te, dn):
    blob = torch.load(path, map_location="cpu")
    te.load_state_dict({k: v.float() for k, v in blob["weights"]["text_encoder"].items()})
    dn.load_state_dict({k: v.float() for k, v in blob["weights"]["denoiser"].items()})
    return blob


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", default="shapes-v1")
    ap.add_argument("--run", required=True)
    ap.add_argument("--minutes", type=float, default=150.0, help="wall-clock budget of the LR schedule")
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--lr", type=float, default=6e-4)
    ap.add_argument("--warmup", type=int, default=150)
    ap.add_argument("--ema", type=float, default=0.998)
    ap.add_argument("--seed", type=int, default=0)
    # Logit-normal noise levels centred above 0.5: x-prediction with a velocity loss already weights the
    # low-noise end by 1/t^2, so sampling more high-noise levels is what teaches layout, colour and motion
    # (the caption-dependent part) within a CPU budget. JiT (Li & He, 2025) uses the same emphasis.
    ap.add_argument("--t-mean", type=float, default=1.0)
    ap.add_argument("--t-std", type=float, default=1.0)
    ap.add_argument("--max-weight", type=float, default=4.0,
                    help="cap on the loss weight 1/t^2 of the clean-clip error (inf: plain velocity loss)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--ckpt-minutes", type=float, default=10.0)
    ap.add_argument("--init", default=None, help="start from these EMA weights (fp16 .pt)")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    cfg = get_config(args.config)
    os.makedirs(args.run, exist_ok=True)
    te, dn = build(cfg)
    if args.init:
        load_ema(args.init, te, dn)
    ema_te, ema_dn = copy.deepcopy(te), copy.deepcopy(dn)
    params = list(te.parameters()) + list(dn.parameters())
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01, betas=(0.9, 0.99))
    gen = torch.Generator().manual_seed(args.seed + 1)
    step, elapsed = 0, 0.0
    ckpt_path = os.path.join(args.run, "ckpt.pt")
    if os.path.exists(ckpt_path):
        ck = torch.load(ckpt_path, map_location="cpu")
        te.load_state_dict(ck["te"]); dn.load_state_dict(ck["dn"])
        ema_te.load_state_dict(ck["ema_te"]); ema_dn.load_state_dict(ck["ema_dn"])
        opt.load_state_dict(ck["opt"]); gen.set_state(ck["gen"])
        step, elapsed = ck["step"], ck["elapsed"]
        print(f"resumed at step {step}, {elapsed / 60:.1f} min", flush=True)
    print(f"config {cfg.name}: text encoder {count_params(te):,} + denoiser {count_params(dn):,} params, "
          f"{cfg.tokens} tokens", flush=True)

    # The data seed depends on the step so a resumed run does not replay the same batches.
    stream = SceneStream(seed=args.seed * 1000003 + step, batch=args.batch, max_tokens=cfg.max_tokens,
                         frames=cfg.frames, size=cfg.height)
    loader = torch.utils.data.DataLoader(stream, batch_size=None, num_workers=1, prefetch_factor=4)
    log = open(os.path.join(args.run, "loss.csv"), "a")
    if step == 0:
        log.write("step,minutes,loss,lr\n")
    budget = args.minutes * 60
    t_start, last_ckpt, run_loss = time.time() - elapsed, time.time(), None

    def checkpoint():
        torch.save({"te": te.state_dict(), "dn": dn.state_dict(), "ema_te": ema_te.state_dict(),
                    "ema_dn": ema_dn.state_dict(), "opt": opt.state_dict(), "gen": gen.get_state(),
                    "step": step, "elapsed": time.time() - t_start, "config": cfg.name}, ckpt_path + ".tmp")
        os.replace(ckpt_path + ".tmp", ckpt_path)
        save_ema(os.path.join(args.run, "ema.pt"), cfg.name, ema_te, ema_dn,
                 {"step": step, "minutes": (time.time() - t_start) / 60, "loss": run_loss})

    for x0, ids in loader:
        now = time.time() - t_start
        if now >= budget:
            break
        progress = now / budget
        lr = args.lr * min(1.0, (step + 1) / args.warmup) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))
        for g in opt.param_groups:
            g["lr"] = lr
        loss = loss_fn(te, dn, x0, ids, gen, t_mean=args.t_mean, t_std=args.t_std, max_weight=args.max_weight)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        step += 1
        decay = min(args.ema, (1 + step) / (10 + step))
        with torch.no_grad():
            for m, e in ((te, ema_te), (dn, ema_dn)):
                for p, q in zip(m.parameters(), e.parameters()):
                    q.mul_(decay).add_(p.detach(), alpha=1 - decay)
        run_loss = loss.item() if run_loss is None else 0.98 * run_loss + 0.02 * loss.item()
        if step % 10 == 0:
            log.write(f"{step},{now / 60:.2f},{run_loss:.4f},{lr:.2e}\n"); log.flush()
        if step % 50 == 0:
            print(f"step {step} {now / 60:.1f} min loss {run_loss:.4f} lr {lr:.2e}", flush=True)
        if time.time() - last_ckpt > args.ckpt_minutes * 60:
            checkpoint(); last_ckpt = time.time()
    checkpoint()
    print(f"done: step {step}, {(time.time() - t_start) / 60:.1f} min, loss {run_loss:.4f}", flush=True)


if __name__ == "__main__":
    main()
