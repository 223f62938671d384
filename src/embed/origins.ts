// Owns the embed's origin allow-list: which host origins may send commands.
// The deployer's build-time list (ZOETROPE_EMBED_ORIGINS) is the ceiling; the
// `origins` URL parameter can name hosts only within it. `*` counts only when
// written explicitly, and even then replies go to the sender's exact origin.

export interface AllowList {
  /** True only when `*` was given explicitly. */
  any: boolean;
  origins: string[];
  /** Entries that were dropped, with the reason, to show the deployer. */
  rejected: string[];
}

/** Normalises one entry to an origin (`https://host[:port]`), or null when it is not one. */
export function normaliseOrigin(entry: string): string | null {
  const text = entry.trim();
  if (!/^https?:\/\/[^/?#]+\/?$/i.test(text)) return null;
  try {
    const origin = new URL(text).origin;
    return origin === 'null' ? null : origin;
  } catch {
    return null;
  }
}

/** Parses a comma- or space-separated list such as `https://a.example, http://localhost:5173`. */
export function parseOriginList(list: string): AllowList {
  const result: AllowList = { any: false, origins: [], rejected: [] };
  for (const entry of list.split(/[\s,]+/).filter(Boolean)) {
    if (entry === '*') {
      result.any = true;
      continue;
    }
    const origin = normaliseOrigin(entry);
    if (origin === null) result.rejected.push(`${entry} (not an origin like https://school.example)`);
    else if (!result.origins.includes(origin)) result.origins.push(origin);
  }
  return result;
}

/**
 * The effective list. With no URL parameter the build-time list applies. With
 * one, its entries count only if the build-time list is empty, is `*`, or
 * contains them: a page that frames the embed chooses its own `origins`, so
 * it must not be able to widen what the deployer set.
 */
export function resolveAllowList(urlParam: string | null, buildDefault: string): AllowList {
  const ceiling = parseOriginList(buildDefault);
  if (urlParam === null) return ceiling;
  const asked = parseOriginList(urlParam);
  const unrestricted = ceiling.any || ceiling.origins.length === 0;
  if (unrestricted) return asked;
  const origins = asked.origins.filter((o) => ceiling.origins.includes(o));
  const rejected = [
    ...asked.rejected,
    ...asked.origins.filter((o) => !ceiling.origins.includes(o)).map((o) => `${o} (not in the deployer's list)`),
    ...(asked.any ? ['* (the deployer\'s list does not allow every origin)'] : []),
  ];
  return { any: false, origins, rejected };
}

export function isAllowed(origin: string, list: AllowList): boolean {
  // An opaque origin ("null": sandboxed frames, file://) has no address to reply to.
  if (origin === 'null' || origin === '') return false;
  return list.any || list.origins.includes(origin);
}
