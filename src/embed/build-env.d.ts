// Owns the build-time constants vite/embed-plugin.ts defines for the embed.

/** ZOETROPE_EMBED_ORIGINS at build time: the deployer's allowed host origins (comma- or space-separated, or `*`). */
declare const __ZOETROPE_EMBED_ORIGINS__: string;
