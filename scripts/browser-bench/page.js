// A receive-only livekit-client participant: it joins, subscribes to
// everyone, shows each camera in a <video> and plays each microphone, like a
// call page. run.mjs drives it and reads benchCounts().
"use strict";

const videos = new Map(); // participant identity → { el, presented, width, height }

window.benchJoin = async (url, token) => {
  const { Room, RoomEvent, Track } = LivekitClient;
  // Full resolution whatever the tile size, as Confer receives it.
  const room = new Room({ adaptiveStream: false, dynacast: false });
  room.on(RoomEvent.TrackSubscribed, (track, _pub, participant) => {
    const el = track.attach();
    document.getElementById("tiles").appendChild(el);
    if (track.kind === Track.Kind.Video) {
      countFrames(participant.identity, el);
    }
  });
  await room.connect(url, token, { autoSubscribe: true });
  window.benchRoom = room;
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
