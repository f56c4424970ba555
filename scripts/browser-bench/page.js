// A livekit-client participant: it joins, subscribes to everyone, shows each
// camera in a <video> and plays each microphone, like a call page; asked
// to, it also publishes a camera and a microphone (publish.js) and measures
// what it receives as a Confer bot does (measure.js). run.mjs drives it and
// reads benchCounts() or benchReport().
"use strict";

const videos = new Map(); // participant identity → { el, presented, width, height }

// benchJoin joins the room. opts.publish ({width, height, fps, kbps})
// publishes a canvas camera and a tone; opts.measure measures what arrives.
window.benchJoin = async (url, token, opts = {}) => {
  const { Room, RoomEvent, Track } = LivekitClient;
  // Headless: full resolution whatever the tile size, as a Confer bot
  // receives it. In a window (opts.tile): tiles of that size, each at the
  // layer its size needs, as Confer's window asks for.
  const room = new Room({ adaptiveStream: !!opts.tile, dynacast: false });
  const state = (s) => measured.states.push({ unix_ms: Date.now(), state: s });
  room.on(RoomEvent.TrackSubscribed, (track, _pub, participant) => {
    const el = track.attach();
    if (opts.tile && track.kind === Track.Kind.Video) {
      el.style.width = opts.tile.width + "px";
      el.style.height = opts.tile.height + "px";
    }
    document.getElementById("tiles").appendChild(el);
    if (track.kind === Track.Kind.Video) {
      countFrames(participant.identity, el);
      if (opts.measure) watchVideo(participant.identity, el, track);
    } else if (opts.measure) {
      measured.audios.set(participant.identity, { track });
    }
  });
  room.on(RoomEvent.Reconnecting, () => state("reconnecting"));
  room.on(RoomEvent.Reconnected, () => state("reconnected"));
  room.on(RoomEvent.Disconnected, (reason) => state("disconnected " + reason));
  // No ICE servers: the server's join response names a STUN server at its
  // own media port, and with it Chromium ends up on ICE-TCP; an empty list
  // here takes precedence, so the browser uses UDP host candidates.
  await room.connect(url, token, { autoSubscribe: true, rtcConfig: { iceServers: [] } });
  state("connected");
  window.benchRoom = room;
  if (opts.publish) {
    measured.sender = await publishCamera(room, opts.publish);
  }
  if (opts.measure) {
    setInterval(pollStats, 1000);
  }
};

// requestVideoFrameCallback fires once per frame sent to the compositor,
// so it counts frames that were decoded and drawn, not just received.
function countFrames(id, el) {
  const v = { el, presented: 0, width: 0, height: 0 };
  videos.set(id, v);
  const onFrame = (_now, meta) => {
    v.presented++;
    v.width = meta.width;
    v.height = meta.height;
    el.requestVideoFrameCallback(onFrame);
  };
  el.requestVideoFrameCallback(onFrame);
}

window.benchCounts = () => {
  const out = {};
  for (const [id, v] of videos) {
    const q = v.el.getVideoPlaybackQuality();
    out[id] = {
      presented: v.presented,
      decoded: q.totalVideoFrames,
      dropped: q.droppedVideoFrames,
      width: v.width,
      height: v.height,
    };
  }
  return out;
};
