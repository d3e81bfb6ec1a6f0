/**
 * Join refusals, with the codes the Meeting SDK reports (docs/zoom.md §4) and messages close to Zoom's.
 * Each one is a `join-result {ok:false, errorCode, reason}` on the participant socket.
 */
export const JOIN_REFUSALS = {
  badMeetingNumber: { errorCode: 3706, reason: 'The meeting number is wrong.' },
  invalidSignature: { errorCode: 3712, reason: 'Invalid signature.' },
  signatureExpired: { errorCode: 3705, reason: 'The signature has expired.' },
  meetingNotFound: { errorCode: 3001, reason: 'Meeting does not exist.' },
  meetingEnded: { errorCode: 4004, reason: 'This meeting has ended.' },
  wrongPasscode: { errorCode: 3004, reason: 'Wrong meeting passcode.' },
  zakInvalid: { errorCode: 3623, reason: 'The ZAK token is invalid or has expired.' },
  authRequired: { errorCode: 4012, reason: 'Only authenticated users can join this meeting.' },
  obfInvalid: { errorCode: 4014, reason: 'The OBF token is invalid, expired or already used.' },
  zakWithObf: { errorCode: 4014, reason: 'zak and obfToken cannot be used together.' },
  obfOtherMeeting: { errorCode: 4015, reason: 'The OBF token was issued for another meeting.' },
  authoriserAbsent: {
    errorCode: 4017,
    reason: 'The user who authorised this app is not in the meeting.',
  },
  removedEarlier: { errorCode: 3009, reason: 'You have been removed from this meeting by the host.' },
  atCapacity: { errorCode: 4005, reason: 'This meeting has reached its maximum number of participants.' },
  locked: { errorCode: 4006, reason: 'This meeting is locked.' },
} as const;

export type JoinRefusal = (typeof JOIN_REFUSALS)[keyof typeof JOIN_REFUSALS];
