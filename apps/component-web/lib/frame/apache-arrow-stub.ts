/**
 * Stand-in for `apache-arrow` in the browser bundle (next.config.ts `resolveAlias`).
 * streamlit-component-lib imports it only to decode dataframe arguments (`dfs`); this component
 * takes none, so the ~300 KB library stays out of the frame. A dataframe arg fails loudly.
 */
function unsupported(): never {
  throw new Error('component-web takes no dataframe arguments');
}

export const tableFromIPC = unsupported;
export const tableToIPC = unsupported;
export const Type = {} as Record<string, number>;
