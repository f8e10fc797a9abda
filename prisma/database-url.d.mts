export declare const DEFAULT_DATABASE_URL: string;
export declare function isPostgresUrl(url: string): boolean;
export declare function isSqliteUrl(url: string): boolean;
export declare function sqliteFilePath(url: string): string;
