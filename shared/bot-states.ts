import { z } from 'zod';

/** docs/contract.md §4. Order is the usual life of a bot; `ended` is terminal. */
export const BOT_STATES = [
  'queued',
  'scheduled',
  'minting',
  'joining',
  'waiting_for_host',
  'in_waiting_room',
  'in_meeting',
  'reconnecting',
  'rejoining',
  'leaving',
  'ended',
] as const;

export const botStateSchema = z.enum(BOT_STATES);
export type BotState = z.infer<typeof botStateSchema>;

/** States in which the bot has not yet reached Zoom: a leave request ends it at once. */
export const PRE_JOIN_STATES: readonly BotState[] = ['queued', 'scheduled', 'minting'];

/** The one transition table of a bot's lifecycle. Anything not listed is an illegal transition. */
export const BOT_TRANSITIONS: Readonly<Record<BotState, readonly BotState[]>> = {
  queued: ['minting', 'scheduled', 'leaving', 'ended'],
  scheduled: ['queued', 'minting', 'leaving', 'ended'],
  minting: ['joining', 'rejoining', 'queued', 'leaving', 'ended'],
  joining: ['waiting_for_host', 'in_waiting_room', 'in_meeting', 'rejoining', 'minting', 'leaving', 'ended'],
  waiting_for_host: ['in_waiting_room', 'in_meeting', 'rejoining', 'minting', 'leaving', 'ended'],
  in_waiting_room: ['in_meeting', 'waiting_for_host', 'rejoining', 'leaving', 'ended'],
  in_meeting: ['reconnecting', 'in_waiting_room', 'rejoining', 'leaving', 'ended'],
  reconnecting: ['in_meeting', 'in_waiting_room', 'rejoining', 'leaving', 'ended'],
  rejoining: ['minting', 'queued', 'leaving', 'ended'],
  leaving: ['ended'],
  ended: [],
};

export function canTransition(from: BotState, to: BotState): boolean {
  return BOT_TRANSITIONS[from].includes(to);
}

export function isTerminal(state: BotState): boolean {
  return state === 'ended';
}
