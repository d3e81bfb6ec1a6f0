import { newZoomId } from './ids.js';

export type UserType = 1 | 2 | 3;

export interface SimUser {
  id: string;
  email: string;
  first_name: string;
  last_name: string;
  display_name: string;
  type: UserType;
  status: 'active' | 'pending';
  created_at: string;
  /** Can this user sign in? `custCreate` users cannot; they still mint ZAKs. */
  can_login: boolean;
}

export interface UserPicture {
  contentType: 'image/png' | 'image/jpeg';
  bytes: Buffer;
  /** Bumped on every upload so avatar URLs change with the picture. */
  version: number;
}

// A 1×1 PNG: the service user starts with a profile picture, as a real licensed user usually does.
const DEFAULT_PICTURE = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

export class DuplicateUserError extends Error {
  constructor(readonly email: string) {
    super(`User already in the account: ${email}`);
  }
}

/** The account's users, keyed by id, findable by email (case-insensitive) as Zoom allows. */
export class UserDirectory {
  private readonly users = new Map<string, SimUser>();
  private readonly pictures = new Map<string, UserPicture>();

  /** The service user the sim starts with: licensed, with a picture. */
  readonly serviceUser: SimUser;

  constructor(botUser: string) {
    const email = botUser.includes('@') ? botUser : `${botUser}@zoom-sim.local`;
    this.serviceUser = this.create({
      email,
      first_name: 'Meeting',
      last_name: 'Bot',
      type: 2,
      can_login: true,
      id: botUser.includes('@') ? undefined : botUser,
    });
    this.setPicture(this.serviceUser.id, 'image/png', DEFAULT_PICTURE);
  }

  create(input: {
    email: string;
    first_name?: string;
    last_name?: string;
    display_name?: string;
    type: UserType;
    can_login: boolean;
    id?: string | undefined;
  }): SimUser {
    if (this.get(input.email)) throw new DuplicateUserError(input.email);
    const first = input.first_name ?? '';
    const last = input.last_name ?? '';
    const user: SimUser = {
      id: input.id ?? newZoomId(),
      email: input.email,
      first_name: first,
      last_name: last,
      display_name: input.display_name ?? (`${first} ${last}`.trim() || input.email),
      type: input.type,
      status: 'active',
      created_at: new Date().toISOString(),
      can_login: input.can_login,
    };
    this.users.set(user.id, user);
    return user;
  }

  /** By id or email, as Zoom's `/users/{userId}` accepts either. */
  get(idOrEmail: string): SimUser | undefined {
    const byId = this.users.get(idOrEmail);
    if (byId) return byId;
    const wanted = idOrEmail.toLowerCase();
    for (const user of this.users.values()) if (user.email.toLowerCase() === wanted) return user;
    return undefined;
  }

  list(): SimUser[] {
    return [...this.users.values()];
  }

  delete(id: string): boolean {
    this.pictures.delete(id);
    return this.users.delete(id);
  }

  setPicture(id: string, contentType: UserPicture['contentType'], bytes: Buffer): UserPicture {
    const version = (this.pictures.get(id)?.version ?? 0) + 1;
    const picture = { contentType, bytes, version };
    this.pictures.set(id, picture);
    return picture;
  }

  picture(id: string): UserPicture | undefined {
    return this.pictures.get(id);
  }
}
