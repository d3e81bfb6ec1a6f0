import type { SimUser } from '../store/users.js';

/** The fields Zoom shows for a user in lists and in the user's own view. */
export function userBasics(user: SimUser) {
  return {
    id: user.id,
    first_name: user.first_name,
    last_name: user.last_name,
    display_name: user.display_name,
    email: user.email,
    type: user.type,
    status: user.status,
    created_at: user.created_at,
  };
}
