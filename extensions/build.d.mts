export declare const EXTENSIONS_DIR: string;
export declare const MAX_BUNDLE_BYTES: number;
export declare const EXTENSION_PACKAGES: readonly string[];

export interface BuiltBundle {
  /** The module as shopify.extension.toml names it, e.g. "./src/ThankYou.tsx". */
  module: string;
  file: string;
  bytes: number;
  gzipBytes: number;
}

export interface BuiltExtension {
  name: string;
  outdir: string;
  bundles: BuiltBundle[];
}

export interface BuildOptions {
  /** Folder holding the extensions (default: this one). */
  root?: string;
  /** Extensions to build (default: every ui_extension folder, listUiExtensions). */
  names?: readonly string[];
  /** Write <outRoot>/<name>/ instead of <name>/dist/. */
  outRoot?: string;
  /** The app's URL (default: APP_URL, else SHOPIFY_APP_URL). */
  appUrl?: string;
}

export declare function listExtensions(root?: string): string[];
/** The extensions with code to bundle (type ui_extension); a Flow trigger has none. */
export declare function listUiExtensions(root?: string): string[];
export declare function extensionModules(dir: string): string[];
export declare function buildExtensions(options?: BuildOptions): Promise<BuiltExtension[]>;
/** The app's origin from APP_URL or SHOPIFY_APP_URL; throws naming the variable when missing or not http(s). */
export declare function appUrlFrom(env: Record<string, string | undefined>): string;
