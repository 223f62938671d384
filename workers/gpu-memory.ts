// Owns counting the GPU memory of the engine worker: every GPUBuffer that ORT
// (or gpu-latents.ts) creates goes through GPUDevice.createBuffer, so wrapping
// it, and GPUBuffer.destroy, gives the bytes alive now and their peak. WebGPU
// has no API that reports a device's memory use; this counts buffers only
// (not textures or the driver's own overhead), which is what ORT allocates.

interface GpuMemory {
  liveBytes: number;
  peakBytes: number;
}

const counts: GpuMemory = { liveBytes: 0, peakBytes: 0 };
const sizes = new WeakMap<GPUBuffer, number>();

function install(): void {
  if (typeof GPUDevice === 'undefined' || typeof GPUBuffer === 'undefined') return;
  const create = GPUDevice.prototype.createBuffer;
  GPUDevice.prototype.createBuffer = function (this: GPUDevice, descriptor: GPUBufferDescriptor): GPUBuffer {
    const buffer = create.call(this, descriptor);
    sizes.set(buffer, descriptor.size);
    counts.liveBytes += descriptor.size;
    counts.peakBytes = Math.max(counts.peakBytes, counts.liveBytes);
    return buffer;
  };
  const destroy = GPUBuffer.prototype.destroy;
  GPUBuffer.prototype.destroy = function (this: GPUBuffer): undefined {
    const size = sizes.get(this);
    if (size !== undefined) {
      counts.liveBytes -= size;
      sizes.delete(this);
    }
    return destroy.call(this);
  };
}

install();

/** Bytes in live GPUBuffers, and the peak since the last resetGpuPeak(); null without WebGPU. */
export function gpuMemory(): GpuMemory | null {
  return typeof GPUDevice === 'undefined' ? null : { ...counts };
}

export function resetGpuPeak(): void {
  counts.peakBytes = counts.liveBytes;
}
