;; The sampler's step (workers/scheduler.ts guidedStep) in WebAssembly: the
;; same float32 operations in the same order, four lanes at a time (SIMD has
;; no fused multiply-add unless relaxed, so each product is rounded as in JS
;; and in the WGSL kernel). Built into workers/step-kernel-wasm.ts by
;; scripts/build-step-kernel.mjs; tests/unit/step-kernel.test.ts checks the
;; bits against guidedStep and that the built module matches this file.
;;
;; Memory, in float32s from 0: sample [n], clean [n], velocity [2n] (row 0
;; the conditional velocity, row 1 the unconditional one when guided).
(module
  (memory (export "memory") 1)
  (func (export "step")
    (param $n i32) (param $guided i32) (param $g f32) (param $t f32) (param $dt f32) (param $c f32)
    (local $i i32) (local $end4 i32) (local $end i32)
    (local $clean i32) (local $vel i32) (local $velu i32)
    (local $g4 v128) (local $t4 v128) (local $dt4 v128) (local $c4 v128)
    (local $v v128) (local $x v128) (local $x0 v128) (local $next v128) (local $vu v128)
    (local $vs f32) (local $xs f32) (local $x0s f32) (local $nexts f32) (local $vus f32)
    ;; byte offsets
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $end4 (i32.and (local.get $end) (i32.const -16)))
    (local.set $clean (local.get $end))
    (local.set $vel (i32.shl (local.get $end) (i32.const 1)))
    (local.set $velu (i32.add (local.get $vel) (local.get $end)))
    (local.set $g4 (f32x4.splat (local.get $g)))
    (local.set $t4 (f32x4.splat (local.get $t)))
    (local.set $dt4 (f32x4.splat (local.get $dt)))
    (local.set $c4 (f32x4.splat (local.get $c)))
    (local.set $i (i32.const 0))
    (block $done4
      (loop $lanes
        (br_if $done4 (i32.ge_u (local.get $i) (local.get $end4)))
        (local.set $v (v128.load (i32.add (local.get $vel) (local.get $i))))
        (if (local.get $guided)
          (then
            (local.set $vu (v128.load (i32.add (local.get $velu) (local.get $i))))
            ;; v = vu + g (vc - vu)
            (local.set $v (f32x4.add (local.get $vu) (f32x4.mul (local.get $g4) (f32x4.sub (local.get $v) (local.get $vu)))))))
        (local.set $x (v128.load (local.get $i)))
        ;; x0 = x - t v; next = x + dt v
        (local.set $x0 (f32x4.sub (local.get $x) (f32x4.mul (local.get $t4) (local.get $v))))
        (local.set $next (f32x4.add (local.get $x) (f32x4.mul (local.get $dt4) (local.get $v))))
        ;; the multistep term, only when c != 0 (JS and WGSL skip it then: adding c * (...) = +-0 could flip a zero's sign)
        (if (f32.ne (local.get $c) (f32.const 0))
          (then
            (local.set $next (f32x4.add (local.get $next)
              (f32x4.mul (local.get $c4) (f32x4.sub (local.get $x0) (v128.load (i32.add (local.get $clean) (local.get $i)))))))))
        (v128.store (local.get $i) (local.get $next))
        (v128.store (i32.add (local.get $clean) (local.get $i)) (local.get $x0))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $lanes)))
    ;; the last n % 4 values, one at a time
    (block $done
      (loop $scalar
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $vs (f32.load (i32.add (local.get $vel) (local.get $i))))
        (if (local.get $guided)
          (then
            (local.set $vus (f32.load (i32.add (local.get $velu) (local.get $i))))
            (local.set $vs (f32.add (local.get $vus) (f32.mul (local.get $g) (f32.sub (local.get $vs) (local.get $vus)))))))
        (local.set $xs (f32.load (local.get $i)))
        (local.set $x0s (f32.sub (local.get $xs) (f32.mul (local.get $t) (local.get $vs))))
        (local.set $nexts (f32.add (local.get $xs) (f32.mul (local.get $dt) (local.get $vs))))
        (if (f32.ne (local.get $c) (f32.const 0))
          (then
            (local.set $nexts (f32.add (local.get $nexts)
              (f32.mul (local.get $c) (f32.sub (local.get $x0s) (f32.load (i32.add (local.get $clean) (local.get $i)))))))))
        (f32.store (local.get $i) (local.get $nexts))
        (f32.store (i32.add (local.get $clean) (local.get $i)) (local.get $x0s))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $scalar)))))
