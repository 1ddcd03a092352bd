import type { NextConfig } from 'next';
import path from 'node:path';

// lib/server/config.ts keeps a generated development AUTH0_SECRET under this folder's .data/
process.env.COMPONENT_WEB_DIR ??= __dirname;

const nextConfig: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // the npm workspace root (one lockfile, one node_modules, one React)
  turbopack: {
    root: path.join(__dirname, '../..'),
    resolveAlias: {
      // streamlit-component-lib's dataframe support is not used: keep apache-arrow out of the frame
      'apache-arrow': './lib/frame/apache-arrow-stub.ts',
      // the contracts' TypeScript sources (ESM) rather than their CommonJS dist, so that zod is
      // tree-shaken: the frame's bundle shrinks from ~160 KB to ~65 KB gzipped
      '@auth-bus/contracts': '../../libs/contracts/src/index.ts',
    },
  },
  outputFileTracingRoot: path.join(__dirname, '../..'),
  typescript: { tsconfigPath: 'tsconfig.app.json' },
};

export default nextConfig;
