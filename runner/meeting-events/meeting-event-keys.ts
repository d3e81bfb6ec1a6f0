/**
 * Redis layout of the meeting events of docs/contract.md §11, one bot at a time. The three keys of a
 * bot share the head `<prefix>:mevents:<botId>`, which the bot store's record script expires with the
 * view when the bot ends (`RECORD_SCRIPT` in runner/queue/bot-store-scripts.ts names the three
 * suffixes, `''`, `:meta` and `:people`), so they live exactly as long as it.
 */
export function meetingEventKeys(prefix: string) {
  const head = `${prefix}:mevents:`;
  return {
    /** What `RECORD_SCRIPT` appends a bot id (and the suffixes below) to. */
    head,
    /**
     * Stream of one bot's events, capped at MEETING_EVENTS_MAX (exact MAXLEN): entry id `<seq>-0`,
     * fields `t` (the type, to filter without parsing) and `e` (the stored event as JSON).
     */
    log: (botId: string) => `${head}${botId}`,
    /**
     * Hash: `seq` (the last one given), `onJoin` (set once `chat.onJoin` was claimed), `speakers` and
     * `recording` (the last reported values, so a rejoin's fresh page repeats neither).
     */
    meta: (botId: string) => `${head}${botId}:meta`,
    /** Hash participant id → attendance row JSON (`AttendanceRow`), across rejoins and workers. */
    people: (botId: string) => `${head}${botId}:people`,
    /** Pub/sub: `<botId> <last seq>` after each append, for the SSE streams of every api process. */
    appendedChannel: `${prefix}:mevents-appended`,
    /** Pub/sub: chat requests (JSON `ChatRequest`) for whichever worker holds the bot. */
    chatChannel: `${prefix}:bot-chat`,
    /**
     * rate-limiter-flexible's counters of chat requests, `<chatRate>:<botId>` (CHAT_PER_BOT_PER_MIN):
     * a one-minute window each, gone when it ends.
     */
    chatRate: `${prefix}:rate:chat`,
  };
}
export type MeetingEventKeys = ReturnType<typeof meetingEventKeys>;
