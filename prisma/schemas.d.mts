export declare function postgresSchemaFrom(source: string): string;
