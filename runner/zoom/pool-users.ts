import { Blob } from 'node:buffer';
import { FormData } from 'undici';
import { z } from 'zod';
import { userPathSegment } from './meeting-tokens.js';
import type { ZoomApi } from './zoom-api.js';

/** `custCreate` users cannot sign in (nothing to phish or take over) and still mint ZAKs. */
export type CreateAction = 'custCreate' | 'create' | 'autoCreate';

export interface NewPoolUser {
  email: string;
  firstName?: string;
  lastName?: string;
  displayName?: string;
  /** 1 basic, 2 licensed. Pool users only join, so basic is enough. */
  type?: 1 | 2;
  action?: CreateAction;
}

export const zoomUserSchema = z.looseObject({
  id: z.string().min(1),
  email: z.string(),
  first_name: z.string().optional(),
  last_name: z.string().optional(),
  display_name: z.string().optional(),
  type: z.number().optional(),
});
export type ZoomUser = z.infer<typeof zoomUserSchema>;

const userPageSchema = z.looseObject({
  users: z.array(zoomUserSchema),
  next_page_token: z.string().optional(),
});

export type PictureType = 'image/png' | 'image/jpeg';

/**
 * Zoom users of the bot pool over REST: create, picture (the avatar bots show), list, delete. Which
 * users are in the pool is `PoolReservations`' business; this is only Zoom's side.
 */
export class PoolUsers {
  constructor(private readonly api: ZoomApi) {}

  /** `POST /users`; a taken email is `ZoomUserExistsError` (Zoom 1005). */
  create(user: NewPoolUser): Promise<ZoomUser> {
    return this.api.call({
      method: 'POST',
      path: '/users',
      json: {
        action: user.action ?? 'custCreate',
        user_info: {
          email: user.email,
          type: user.type ?? 1,
          ...(user.firstName !== undefined ? { first_name: user.firstName } : {}),
          ...(user.lastName !== undefined ? { last_name: user.lastName } : {}),
          ...(user.displayName !== undefined ? { display_name: user.displayName } : {}),
        },
      },
      category: 'light',
      operation: 'create_user',
      schema: zoomUserSchema,
    });
  }

  get(user: string): Promise<ZoomUser> {
    return this.api.call({
      method: 'GET',
      path: `/users/${userPathSegment(user)}`,
      category: 'light',
      operation: 'get_user',
      schema: zoomUserSchema,
    });
  }

  /** `POST /users/{id}/picture`, multipart field `pic_file` (Zoom: jpeg or png, category Medium). */
  async setPicture(user: string, picture: Uint8Array, type: PictureType): Promise<void> {
    const form = new FormData();
    const filename = type === 'image/png' ? 'avatar.png' : 'avatar.jpg';
    form.set('pic_file', new Blob([picture], { type }), filename);
    await this.api.call({
      method: 'POST',
      path: `/users/${userPathSegment(user)}/picture`,
      form,
      category: 'medium',
      operation: 'set_user_picture',
      schema: z.unknown(),
    });
  }

  /** Every user of the account, following `next_page_token` (Zoom pages of up to 300). */
  async list(options: { pageSize?: number } = {}): Promise<ZoomUser[]> {
    const users: ZoomUser[] = [];
    let pageToken: string | undefined;
    do {
      const page = await this.api.call({
        method: 'GET',
        path: '/users',
        query: {
          page_size: String(options.pageSize ?? 300),
          ...(pageToken ? { next_page_token: pageToken } : {}),
        },
        category: 'medium',
        operation: 'list_users',
        schema: userPageSchema,
      });
      users.push(...page.users);
      pageToken = page.next_page_token || undefined;
    } while (pageToken);
    return users;
  }

  /** `DELETE /users/{id}?action=delete` (or `disassociate` to keep the user outside the account). */
  async delete(user: string, action: 'delete' | 'disassociate' = 'delete'): Promise<void> {
    await this.api.call({
      method: 'DELETE',
      path: `/users/${userPathSegment(user)}`,
      query: { action },
      category: 'light',
      operation: 'delete_user',
      schema: z.unknown(),
    });
  }
}
