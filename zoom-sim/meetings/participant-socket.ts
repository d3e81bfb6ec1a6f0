import type { IncomingMessage } from 'node:http';
import { Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ServerType } from '@hono/node-server';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import {
  type ChatRequestMessage,
  type ChatResultMessage,
  CLOSE_CODES,
  type ClientMessage,
  clientMessageSchema,
  MAX_FRAME_BYTES,
  PARTICIPANT_SOCKET_PATH,
  type ServerMessage,
} from '../protocol.js';
import { avatarUrl } from '../routes/avatars.js';
import type { SimContext } from '../sim-context.js';
import type { JoinedSession } from './meeting-registry.js';
import type { Participant } from './participant.js';
import type { ParticipantLink } from './participant-link.js';
import { isVisible } from './participant-state.js';

/**
 * Serves the participant protocol (`zoom-sim/protocol.ts`) at `PARTICIPANT_SOCKET_PATH` on the sim's
 * HTTP server. One socket is one participant session.
 */
export function attachParticipantSockets(
  server: ServerType,
  context: SimContext,
): { close(): Promise<void> } {
  // @hono/node-server gives an http2 server only when asked to; the sim never asks.
  if (!(server instanceof HttpServer)) throw new Error('zoom-sim needs a plain HTTP server for WebSockets');
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = new URL(request.url ?? '/', 'http://sim.invalid').pathname;
    if (path !== PARTICIPANT_SOCKET_PATH) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => serveParticipant(ws, context));
  };
  server.on('upgrade', onUpgrade);
  let closing: Promise<void> | undefined;
  return {
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.off('upgrade', onUpgrade);
        for (const ws of wss.clients) ws.close(CLOSE_CODES.goingAway, 'zoom-sim shutting down');
        // Clients that do not answer the close handshake would keep close() waiting.
        const force = setTimeout(() => {
          for (const ws of wss.clients) ws.terminate();
        }, 500);
        force.unref();
        wss.close(() => {
          clearTimeout(force);
          resolve();
        });
      });
      return closing;
    },
  };
}

function serveParticipant(ws: WebSocket, context: SimContext): void {
  const link = socketLink(ws);
  let session: JoinedSession | undefined;
  let joining = false;

  const protocolError = (message: string) => {
    link.send({ type: 'error', message });
    ws.close(CLOSE_CODES.protocolError, 'protocol error');
  };

  ws.on('message', (data: RawData, isBinary: boolean) => {
    const message = isBinary ? undefined : parseFrame(data);
    if (!message) {
      protocolError('Frames must be JSON text matching the zoom-sim participant protocol.');
      return;
    }
    if (message.type === 'join') {
      if (joining) {
        protocolError('This socket has already sent join.');
        return;
      }
      joining = true;
      const { type: _type, ...params } = message;
      context.meetings
        .join(params, link, (userId) => avatarUrl(context, userId))
        .then((joined) => {
          session = joined;
          // The socket may have closed while the signature was being checked: drop at once.
          if (joined && ws.readyState !== ws.OPEN) joined.meeting.socketClosed(joined.participant);
        })
        .catch(() => protocolError('Join failed inside zoom-sim.'));
      return;
    }
    if (message.type === 'chat') {
      link.send(chatResult(session, message));
      return;
    }
    if (!session) {
      protocolError('leave before join.');
      return;
    }
    if (session.participant.state !== 'left') session.meeting.leftByClient(session.participant);
  });

  ws.on('close', () => {
    if (session) session.meeting.socketClosed(session.participant);
  });
  // Errors (bad frames, oversized payloads) end in 'close' too; without a listener they would throw.
  ws.on('error', () => {});
}

/** The SDK's `sendChat`: refused as the SDK refuses (an `ExecutedFailure`), never a protocol error. */
function chatResult(session: JoinedSession | undefined, request: ChatRequestMessage): ChatResultMessage {
  const refuse = (
    errorType: 'INVALID_OPERATION' | 'INVALID_PARAMETERS',
    reason: string,
  ): ChatResultMessage => ({
    type: 'chat-result',
    ref: request.ref,
    ok: false,
    errorType,
    reason,
  });
  if (session?.participant.state !== 'in_meeting') return refuse('INVALID_OPERATION', 'Not in the meeting.');
  const { meeting, participant } = session;
  let to: Participant | undefined;
  if (request.to !== undefined) {
    to = meeting.participant(request.to);
    if (!to || to === participant || !isVisible(to.state)) {
      return refuse('INVALID_PARAMETERS', `No participant ${request.to} to send to.`);
    }
  }
  const message = meeting.activity.chat(participant, request.text, to);
  return { type: 'chat-result', ref: request.ref, ok: true, message };
}

function parseFrame(data: RawData): ClientMessage | undefined {
  let value: unknown;
  try {
    value = JSON.parse(rawText(data));
  } catch {
    return undefined;
  }
  const parsed = clientMessageSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  return Buffer.from(new Uint8Array(data)).toString('utf8');
}

function socketLink(ws: WebSocket): ParticipantLink {
  return {
    send(message: ServerMessage) {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
    },
    close() {
      if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(CLOSE_CODES.normal);
    },
  };
}
