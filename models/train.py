"""Train a Zoetrope text-to-video model with rectified flow. One command, resumable.

    /usr/bin/python3 models/train.py --config shapes-v1 --run models/runs/shapes-v1 --minutes 150

Re-running the same command resumes from <run>/ckpt.pt. The learning-rate schedule is tied to wall-clock
minutes (the budget on this CPU-only machine), so a resumed run continues the same schedule.
--init <ema.pt> starts a new run from committed EMA weights (how later sessions continue training).

On a machine with a CUDA GPU (torch 2.x), the same script trains from a replay pool on the device fed by many
render workers, in bf16 autocast, and measures held-out adherence as it goes:

    python3 models/train.py --config shapes-v1 --run /tmp/run --device cuda --workers 14 --pool 65536 \
        --batch 256 --lr 1e-3 --ema 0.999 --minutes 8 --eval-minutes 1
"""
from __future__ import annotations

import argparse
import contextlib
import copy
import math
import os
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from zoetrope.cpu_env import ensure_fast_env  # noqa: E402

ensure_fast_env()  # before torch loads: see cpu_env.py

import torch  # noqa: E402

from zoetrope.configs import get_config  # noqa: E402
from zoetrope.data import SceneStream, make_tokenizer  # noqa: E402
from zoetrope.evalset import ATTRS, eval_set, sample_clips, score  # noqa: E402
from zoetrope.flow import loss_fn  # noqa: E402
from zoetrope.model import Denoiser, TextEncoder, count_params  # noqa: E402
from zoetrope.replay import ReplayPool  # noqa: E402


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


def adherence(te, dn, cfg, n: int, steps: int = 16, guidance: float = 4.0) -> dict:
    """Held-out prompt adherence of these weights, sampled as the browser samples (seeded noise, CFG)."""
    items = eval_set(n)
    was_training = dn.training
    te.eval(); dn.eval()
    clips = sample_clips(te, dn, cfg, items, steps, guidance, batch=len(items))
    te.train(was_training); dn.train(was_training)
    return score(clips, [it["scene"] for it in items])


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
    ap.add_argument("--focus", default=None, help="oversample a named subset of scenes (data.FOCUS)")
    ap.add_argument("--focus-p", type=float, default=0.5, help="share of scenes drawn from --focus")
    ap.add_argument("--t-mean", type=float, default=1.0)
    ap.add_argument("--t-std", type=float, default=1.0)
    ap.add_argument("--max-weight", type=float, default=4.0,
                    help="cap on the loss weight 1/t^2 of the clean-clip error (inf: plain velocity loss)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--ckpt-minutes", type=float, default=10.0)
    ap.add_argument("--init", default=None, help="start from these EMA weights (fp16 .pt)")
    ap.add_argument("--device", default="cpu", help="cpu, or cuda (torch 2.x): bf16 autocast and a replay pool")
    ap.add_argument("--workers", type=int, default=1, help="render processes")
    ap.add_argument("--pool", type=int, default=0, help="replay pool of clips on the device (0: each batch once)")
    ap.add_argument("--render-batch", type=int, default=32, help="clips per rendered batch, with --pool")
    ap.add_argument("--eval-minutes", type=float, default=0.0, help="held-out adherence every N minutes (0: off)")
    ap.add_argument("--eval-n", type=int, default=96)
    ap.add_argument("--mirror", default=None, help="also copy ema.pt and the logs here at each checkpoint")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    device = torch.device(args.device)
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    cfg = get_config(args.config)
    os.makedirs(args.run, exist_ok=True)
    te, dn = build(cfg)
    if args.init:
        load_ema(args.init, te, dn)
    te.to(device); dn.to(device)
    ema_te, ema_dn = copy.deepcopy(te), copy.deepcopy(dn)
    params = list(te.parameters()) + list(dn.parameters())
    ema_params = list(ema_te.parameters()) + list(ema_dn.parameters())
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01, betas=(0.9, 0.99))
    gen = torch.Generator(device=device).manual_seed(args.seed + 1)
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
    pooled = args.pool > 0
    stream = SceneStream(seed=args.seed * 1000003 + step, batch=args.render_batch if pooled else args.batch,
                         max_tokens=cfg.max_tokens, frames=cfg.frames, size=cfg.height, raw=pooled,
                         focus=args.focus, focus_p=args.focus_p)
    loader = torch.utils.data.DataLoader(stream, batch_size=None, num_workers=args.workers, prefetch_factor=4,
                                         persistent_workers=True)
    pool = None
    if pooled:
        pool = ReplayPool(loader, args.pool, device, seed=args.seed + 2)
        t0 = time.time()
        pool.drain(at_least=min(args.pool, 64 * args.render_batch))
        print(f"pool: {pool.filled} clips rendered in {time.time() - t0:.1f} s", flush=True)
    log = open(os.path.join(args.run, "loss.csv"), "a")
    if step == 0:
        log.write("step,minutes,loss,lr\n")
    adh_path = os.path.join(args.run, "adherence.csv")
    if not os.path.exists(adh_path):
        with open(adh_path, "w") as f:
            f.write("step,minutes,clips_rendered," + ",".join((*ATTRS, "all", "stable")) + "\n")
    budget = args.minutes * 60
    t_start, last_ckpt, last_eval, run_loss = time.time() - elapsed, time.time(), time.time(), None
    autocast = (torch.autocast(device_type="cuda", dtype=torch.bfloat16) if device.type == "cuda"
                else contextlib.nullcontext())

    def batches():
        if pool is not None:
            while True:
                pool.drain()
                yield pool.sample(args.batch)
        for x0, ids in loader:
            yield x0.to(device), ids.to(device)

    def evaluate():
        r = adherence(ema_te, ema_dn, cfg, args.eval_n)
        rendered = pool.rendered if pool is not None else step * args.batch
        with open(adh_path, "a") as f:
            f.write(f"{step},{(time.time() - t_start) / 60:.2f},{rendered},"
                    + ",".join(f"{r[a]:.3f}" for a in (*ATTRS, "all", "stable")) + "\n")
        print(f"eval step {step}: " + " ".join(f"{a} {r[a]:.0%}" for a in (*ATTRS, "all")), flush=True)

    def checkpoint():
        torch.save({"te": te.state_dict(), "dn": dn.state_dict(), "ema_te": ema_te.state_dict(),
                    "ema_dn": ema_dn.state_dict(), "opt": opt.state_dict(), "gen": gen.get_state(),
                    "step": step, "elapsed": time.time() - t_start, "config": cfg.name}, ckpt_path + ".tmp")
        os.replace(ckpt_path + ".tmp", ckpt_path)
        save_ema(os.path.join(args.run, "ema.pt"), cfg.name, ema_te, ema_dn,
                 {"step": step, "minutes": (time.time() - t_start) / 60, "loss": run_loss,
                  "device": str(device), "batch": args.batch})
        if args.mirror:
            os.makedirs(args.mirror, exist_ok=True)
            for name in ("ema.pt", "loss.csv", "adherence.csv"):
                shutil.copy(os.path.join(args.run, name), os.path.join(args.mirror, name))

    loss_sum, loss_n = None, 0
    for x0, ids in batches():
        now = time.time() - t_start
        if now >= budget:
            break
        progress = now / budget
        lr = args.lr * min(1.0, (step + 1) / args.warmup) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))
        for g in opt.param_groups:
            g["lr"] = lr
        with autocast:
            loss = loss_fn(te, dn, x0, ids, gen, t_mean=args.t_mean, t_std=args.t_std,
                           max_weight=args.max_weight)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        step += 1
        decay = min(args.ema, (1 + step) / (10 + step))
        with torch.no_grad():
            torch._foreach_mul_(ema_params, decay)
            torch._foreach_add_(ema_params, [p.detach() for p in params], alpha=1 - decay)
        # Reading the loss synchronises a GPU, so it is summed on the device and read every 10 steps.
        loss_sum = loss.detach() if loss_sum is None else loss_sum + loss.detach()
        loss_n += 1
        if step % 10 == 0:
            mean = loss_sum.item() / loss_n
            loss_sum, loss_n = None, 0
            run_loss = mean if run_loss is None else 0.8 * run_loss + 0.2 * mean
            log.write(f"{step},{now / 60:.2f},{run_loss:.4f},{lr:.2e}\n"); log.flush()
        if step % 50 == 0:
            print(f"step {step} {now / 60:.1f} min loss {run_loss:.4f} lr {lr:.2e}", flush=True)
        if args.eval_minutes and time.time() - last_eval > args.eval_minutes * 60:
            evaluate(); last_eval = time.time()
        if time.time() - last_ckpt > args.ckpt_minutes * 60:
            checkpoint(); last_ckpt = time.time()
    if pool is not None:
        print(f"clips rendered {pool.rendered:,}, clips trained on {step * args.batch:,}", flush=True)
    if args.eval_minutes:
        evaluate()
    checkpoint()
    print(f"done: step {step}, {(time.time() - t_start) / 60:.1f} min, loss {run_loss}", flush=True)
    if pool is not None:
        os._exit(0)  # the render workers and the pump thread would otherwise hold the interpreter's exit


if __name__ == "__main__":
    main()
