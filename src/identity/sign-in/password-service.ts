import { problems, ProblemError } from "../../core/errors.ts";
import { type IdentityService, type Principal, requireAdmin } from "../service.ts";
import { UserNameSchema } from "../spec.ts";
import type { UsersTable } from "../tables.ts";
import { checkNewPassword, hashPassword, verifyPassword } from "./passwords.ts";
import type { SignInLimiter } from "./rate-limit.ts";

/** What ends a person's browser sessions: the portal's session service. */
export interface SessionEnder {
  endAllFor(userId: string): Promise<number>;
}

/**
 * Signing in with a password, and setting one. A wrong password and an unknown name get the
 * same answer after the same work, so the answer never tells whether a name exists.
 */
export class PasswordService {
  readonly #identity: IdentityService;
  readonly #limiter: SignInLimiter;
  readonly #sessions: SessionEnder;

  constructor(identity: IdentityService, limiter: SignInLimiter, sessions: SessionEnder) {
    this.#identity = identity;
    this.#limiter = limiter;
    this.#sessions = sessions;
  }

  /** The person with this name and password; a 401 problem otherwise, a 429 past the limit. */
  async verify(name: string, password: string, address: string): Promise<UsersTable> {
    const attempt = await this.#limiter.begin(name, address);
    const row = UserNameSchema.safeParse(name).success ? await this.#identity.store.userByName(name) : undefined;
    const active = row && row.removed_at === null ? row : undefined;
    const ok = await verifyPassword(password, active?.password_hash ?? null);
    if (!ok || !active) {
      await this.#limiter.failed();
      throw wrongPassword();
    }
    await this.#limiter.succeeded(attempt);
    return active;
  }

  /**
   * Changes your own password. The current one is asked for whenever there is one (so a
   * browser left open is not enough), and counts against the sign-in limit like a sign-in.
   */
  async change(actor: Principal, current: string | undefined, next: string, address: string): Promise<void> {
    const row = await this.#identity.store.userById(actor.userId);
    if (!row || row.removed_at !== null) throw problems.unauthorized("You were removed from the platform.");
    if (row.password_hash !== null) {
      if (current === undefined) {
        throw problems.badRequest("Give your current password to set a new one.", "Send `current` with the password you use now; forgotten it? A Keeper can set a new one.", [
          { path: "body.current", message: "required when a password is set" },
        ]);
      }
      try {
        await this.verify(row.name, current, address);
      } catch (err) {
        if (err instanceof ProblemError && err.status === 401) {
          throw new ProblemError({ status: 403, title: "Current password is wrong", code: "wrong-password", detail: "The current password given is not the one set for you.", hint: "Type it again; forgotten it? Ask a Keeper to set a new one with `plinth users set-password NAME`." });
        }
        throw err;
      }
    }
    checkNewPassword(next, row.name);
    await this.#identity.store.updateUser(row.id, { password_hash: await hashPassword(next) });
  }

  /** A Keeper sets someone's password (forgotten, or a first one); their browsers are signed out. */
  async reset(actor: Principal, userName: string, next: string): Promise<{ sessionsEnded: number }> {
    requireAdmin(actor, "set other people's passwords");
    const row = await this.#identity.store.userByName(userName);
    if (!row || row.removed_at !== null) throw problems.notFound("User", userName, "List the people with `plinth users ls`.");
    checkNewPassword(next, row.name);
    await this.#identity.store.updateUser(row.id, { password_hash: await hashPassword(next) });
    // Whoever knew the old password is out, and the person is not held back by earlier failures.
    const sessionsEnded = await this.#sessions.endAllFor(row.id);
    await this.#limiter.forgive(row.name);
    return { sessionsEnded };
  }

  /** The first password of someone who has just joined (an invitation). */
  async setFirst(userId: string, userName: string, password: string): Promise<void> {
    checkNewPassword(password, userName);
    await this.#identity.store.updateUser(userId, { password_hash: await hashPassword(password) });
  }
}

function wrongPassword(): ProblemError {
  return new ProblemError({
    status: 401,
    title: "Wrong user name or password",
    code: "wrong-password",
    detail: "That user name and password do not match anyone here.",
    hint: "Check both (user names are lower-case); after 5 failures in 15 minutes sign-in pauses. A Keeper can set a new password with `plinth users set-password NAME`.",
  });
}
