// Where the bundler writes a handler's bundle, and where infra finds it.

/** The bundle folder of one handler, relative to its package directory. */
export const bundleDir = (handlerName: string) => `dist/${handlerName}`;

/** The file in that folder Lambda loads (`index.handler`); `.mjs` makes Node treat it as ESM. */
export const BUNDLE_ENTRY_FILE = "index.mjs";
