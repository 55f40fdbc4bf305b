// The services the integration tests use, in one place and one spelling: BATON_TEST_DATABASE_URL and
// BATON_TEST_REDIS_URL override the defaults CONTRIBUTING.md names (PostgreSQL and Redis on 127.0.0.1).
export const PG_URL = process.env.BATON_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.BATON_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
