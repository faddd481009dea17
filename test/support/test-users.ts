/**
 * A user row with only the columns every core schema version has (id, name, created_at), for
 * tests that need owners at a given id, also before migration 0004 added roles.
 */
import type { Kysely } from 'kysely';

export async function insertUser(db: Kysely<any>, user: { id: string; name: string; createdAt: string }): Promise<void> {
  await db.insertInto('users').values({ id: user.id, name: user.name, created_at: user.createdAt }).execute();
}
