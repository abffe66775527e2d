/** The SQL engines the store runs on (migrations write dialect-specific DDL by it). */
export type Dialect = 'sqlite' | 'postgres';
