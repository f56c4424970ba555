// A livekit-client participant that chats as @livekit/components' useChat
// does: text streams on the topic lk.chat, read with
// registerTextStreamHandler and sent with localParticipant.sendText. It
// also sends one message the older way (sendChatMessage, a ChatMessage
// data packet), raises its hand the way La Suite Meet does (the
// participant attribute handRaisedAt, an ISO time), and records the
// hands it sees. run.mjs drives it and reads interopState().
"use strict";

const received = []; // { from, text, id }
let room = null;

window.interopJoin = async (url, token) => {
  const { Room } = LivekitClient;
  room = new Room({ adaptiveStream: false, dynacast: false });
  room.registerTextStreamHandler("lk.chat", async (reader, participantInfo) => {
    const text = await reader.readAll();
    received.push({ from: participantInfo.identity, text, id: reader.info.id });
  });
  await room.connect(url, token, { autoSubscribe: true });
};

window.interopSend = async (text) => {
  await room.localParticipant.sendText(text, { topic: "lk.chat" });
};

window.interopSendLegacy = async (text) => {
  await room.localParticipant.sendChatMessage(text);
};

window.interopRaiseHand = async () => {
  await room.localParticipant.setAttributes({ handRaisedAt: new Date().toISOString() });
};

window.interopState = () => {
  const hands = {};
  for (const p of room ? room.remoteParticipants.values() : []) {
    if (p.attributes.handRaisedAt) hands[p.identity] = p.attributes.handRaisedAt;
  }
  return { received, hands };
};
