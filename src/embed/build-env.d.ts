// Owns the build-time constants vite/embed-plugin.ts defines for the embed.

/** ZOETROPE_EMBED_ORIGINS at build time: the deployer's allowed host origins (comma- or space-separated, or `*`). */
declare const __ZOETROPE_EMBED_ORIGINS__: string;

/**
 * ZOETROPE_CSP_CONNECT as the build saw it: the deployer's hosts besides our own in connect-src. The page's
 * policy is read from its <meta> tag where there is one (src/lib/download-policy.ts); this is the dev server's.
 */
declare const __ZOETROPE_CSP_CONNECT__: string;
