// Owns the build-time constants vite/embed-plugin.ts defines for the embed.

/** ZOETROPE_EMBED_ORIGINS at build time: the deployer's allowed host origins (comma- or space-separated, or `*`). */
declare const __ZOETROPE_EMBED_ORIGINS__: string;

/** ZOETROPE_CSP_CONNECT as the build saw it: the hosts besides our own that connect-src allows (see src/shared/connect-policy.ts). */
declare const __ZOETROPE_CSP_CONNECT__: string;
