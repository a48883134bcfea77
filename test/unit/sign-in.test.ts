import { describe, expect, it } from "vitest";
import { grantsOf, groupsOf, userNameFrom } from "../../src/identity/sign-in/oidc-accounts.ts";
import { checkNewPassword, hashPassword, verifyPassword } from "../../src/identity/sign-in/passwords.ts";

describe("password hashes", () => {
  it("are scrypt with their parameters and a fresh salt, and verify only the right password", async () => {
    const a = await hashPassword("a long enough password");
    const b = await hashPassword("a long enough password");
    expect(a).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword("a long enough password", a)).toBe(true);
    expect(await verifyPassword("a long enough passwore", a)).toBe(false);
  });

  it("answer false, after the same work, for no hash or a damaged one", async () => {
    expect(await verifyPassword("anything at all", null)).toBe(false);
    expect(await verifyPassword("anything at all", "scrypt$1073741824$8$1$AAAA$AAAAAAAAAAAAAAAAAAAAAA==")).toBe(false);
    expect(await verifyPassword("anything at all", "plain text")).toBe(false);
  });

  it("come from passwords of 10 characters or more that are not the user name dressed up", () => {
    expect(() => checkNewPassword("short", "ada")).toThrow(/at least 10/);
    expect(() => checkNewPassword("Lovelace-1815!", "lovelace")).toThrow(/user name/);
    expect(() => checkNewPassword("x".repeat(257), "ada")).toThrow(/at most 256/);
    expect(() => checkNewPassword("ada likes long walks", "ada")).not.toThrow();
  });
});

describe("groups to teams", () => {
  const mapping = {
    "lab-vision": { team: "vision", role: "member" as const },
    "vision-leads": { team: "vision", role: "admin" as const },
    guests: { team: "vision", role: "viewer" as const },
    keepers: { platformRole: "admin" as const },
  };

  it("gives each team the highest role any group gives, and Keepers from their group", () => {
    const { teams, keeper } = grantsOf(["guests", "vision-leads", "lab-vision", "unmapped"], mapping);
    expect([...teams]).toEqual([["vision", "admin"]]);
    expect(keeper).toBe(false);
    expect(grantsOf(["keepers"], mapping).keeper).toBe(true);
  });

  it("reads the groups claim as a list or a single name, and a name from an email address", () => {
    expect(groupsOf({ groups: ["a", 3, "b"] }, "groups")).toEqual(["a", "b"]);
    expect(groupsOf({ roles: "a" }, "roles")).toEqual(["a"]);
    expect(groupsOf({}, "groups")).toEqual([]);
    expect(userNameFrom({ email: "Ada.Lovelace@lab.example" }, "email")).toBe("ada.lovelace");
    expect(userNameFrom({ preferred_username: "Not A Name!" }, "preferred_username")).toBeNull();
  });
});
