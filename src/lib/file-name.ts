// Owns the download name of a video: the prompt's first words, the seed and
// the model, so a folder of downloads stays readable.

export function videoFileName(prompt: string, seed: number, modelId: string, extension = 'mp4'): string {
  const words = prompt
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .split('-')
    .filter(Boolean)
    .slice(0, 8)
    .join('-');
  return `${words || 'video'}-seed${seed}-${modelId}.${extension}`;
}
