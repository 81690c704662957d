// The join page. The join credential arrives in the URL's fragment
// (<hub>/join/#<credential>: base64url of JSON {v, api, room, token, feed,
// name, role, lang, ice, exp}), which the browser never sends to a server;
// the page takes it, clears it from the address bar (keeping it for this
// tab only, so a reload works), checks the camera and microphone, and joins
// the Janus VideoRoom as a publisher with the token. While Janus refuses the
// token because the clinician has not admitted the participant yet (433,
// not in the room's allowed list) it says so and asks again every 3 s until
// the credential expires. In the room it subscribes to every other
// publisher. Janus's client library and the WebRTC adapter are Debian's,
// loaded before this module as classic scripts (window.Janus,
// window.adapter).

const CREDENTIAL_ITEM = 'wasl.join.credential';
const LANGUAGE_ITEM = 'wasl.join.language';
const RETRY_MS = 3000;
const VIDEOROOM = 'janus.plugin.videoroom';

const LABELS = {
  en: {
    title: 'Video consultation',
    other_language: 'العربية',
    starting: 'Starting…',
    no_credential: 'This link is incomplete. Open the link you were sent again.',
    expired: 'This link has expired. Ask the clinic for a new one.',
    other_provider: "This consultation uses its video provider's own app: open the link in your invitation.",
    no_webrtc: 'This browser cannot make video calls. Use a recent Chrome, Edge, Firefox or Safari.',
    no_library: 'The page could not load its video library. Reload the page.',
    checking_devices: 'Checking your camera and microphone…',
    devices_refused: 'The browser was not allowed to use your camera and microphone. Allow both in the browser\'s site settings, then reload this page.',
    devices_missing: 'No camera or microphone was found. Connect one, then reload this page.',
    devices_failed: 'Your camera or microphone could not be started. Close other apps using them, then reload this page.',
    connecting: 'Connecting…',
    waiting: 'Waiting for the clinician to admit you…',
    in_room: 'You are in the consultation.',
    link_refused: 'This link no longer works. Ask the clinic for a new one.',
    unreachable: 'The video service cannot be reached. Check your connection, then reload this page.',
    removed: 'You were removed from the consultation.',
    ended: 'The consultation has ended.',
    left: 'You left the consultation.',
    failed: 'The video call failed. Reload this page to try again.',
    mute: 'Mute',
    unmute: 'Unmute',
    camera_off: 'Turn camera off',
    camera_on: 'Turn camera on',
    leave: 'Leave',
    you: 'You',
    role_clinician: 'clinician',
    role_patient: 'patient',
    role_interpreter: 'interpreter',
    role_observer: 'observer',
  },
  ar: {
    title: 'الاستشارة المرئية',
    other_language: 'English',
    starting: 'جارٍ البدء…',
    no_credential: 'هذا الرابط غير مكتمل. افتح الرابط الذي أُرسل إليك مرة أخرى.',
    expired: 'انتهت صلاحية هذا الرابط. اطلب رابطًا جديدًا من العيادة.',
    other_provider: 'تستخدم هذه الاستشارة تطبيق مزوّد الفيديو الخاص بها: افتح الرابط الوارد في دعوتك.',
    no_webrtc: 'لا يدعم هذا المتصفح مكالمات الفيديو. استخدم إصدارًا حديثًا من كروم أو إيدج أو فايرفوكس أو سفاري.',
    no_library: 'تعذّر تحميل مكتبة الفيديو. أعد تحميل الصفحة.',
    checking_devices: 'جارٍ التحقق من الكاميرا والميكروفون…',
    devices_refused: 'لم يُسمح للمتصفح باستخدام الكاميرا والميكروفون. اسمح بهما من إعدادات الموقع في المتصفح، ثم أعد تحميل هذه الصفحة.',
    devices_missing: 'لم يُعثر على كاميرا أو ميكروفون. صِل أحدهما ثم أعد تحميل هذه الصفحة.',
    devices_failed: 'تعذّر تشغيل الكاميرا أو الميكروفون. أغلق التطبيقات الأخرى التي تستخدمهما، ثم أعد تحميل هذه الصفحة.',
    connecting: 'جارٍ الاتصال…',
    waiting: 'بانتظار أن يسمح لك الطبيب بالدخول…',
    in_room: 'أنت الآن في الاستشارة.',
    link_refused: 'لم يعد هذا الرابط صالحًا. اطلب رابطًا جديدًا من العيادة.',
    unreachable: 'تعذّر الوصول إلى خدمة الفيديو. تحقّق من اتصالك، ثم أعد تحميل هذه الصفحة.',
    removed: 'تمت إزالتك من الاستشارة.',
    ended: 'انتهت الاستشارة.',
    left: 'غادرت الاستشارة.',
    failed: 'تعذّرت مكالمة الفيديو. أعد تحميل هذه الصفحة للمحاولة مرة أخرى.',
    mute: 'كتم الصوت',
    unmute: 'إلغاء الكتم',
    camera_off: 'إيقاف الكاميرا',
    camera_on: 'تشغيل الكاميرا',
    leave: 'مغادرة',
    you: 'أنت',
    role_clinician: 'الطبيب',
    role_patient: 'المريض',
    role_interpreter: 'المترجم',
    role_observer: 'مراقب',
  },
};

const $ = (id) => document.getElementById(id);

let language = 'ar';
let state = 'starting';
let credential = null;
let media = null;          // the local camera and microphone
let janus = null;          // the Janus session
let publisher = null;      // our VideoRoom handle
let privateId = null;      // ours, for subscriptions
let retryTimer = null;
let over = false;          // ended, left, removed or refused: nothing more is tried
const remotes = new Map(); // feed id -> { handle, stream, tile }

function t(key) {
  return LABELS[language][key] ?? LABELS.en[key] ?? key;
}

function applyLanguage() {
  document.documentElement.lang = language;
  document.documentElement.dir = language === 'ar' ? 'rtl' : 'ltr';
  document.title = `${t('title')} · Wasl`;
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  const muted = $('mute').getAttribute('aria-pressed') === 'true';
  $('mute').textContent = t(muted ? 'unmute' : 'mute');
  const cameraOff = $('camera').getAttribute('aria-pressed') === 'true';
  $('camera').textContent = t(cameraOff ? 'camera_on' : 'camera_off');
  $('status').textContent = state === 'starting' && !credential ? t('starting') : t(state);
  if (credential) {
    const role = t(`role_${credential.role}`);
    $('who').textContent = credential.name ? `${credential.name} · ${role}` : role;
    $('local-name').textContent = `${t('you')} · ${credential.name ?? ''}`;
  }
}

// `key` is the state and the text shown for it; the element's data-state
// says which, for people reading the page with tools and for the tests.
function setState(key) {
  state = key;
  $('status').dataset.state = key;
  $('status').textContent = t(key);
}

function base64urlText(text) {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) return null;
  const padded = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4);
  try {
    const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

// The credential from the fragment (then cleared from the address bar and
// the history entry), else the one this tab kept.
function takeCredential() {
  let encoded = location.hash.length > 1 ? location.hash.slice(1) : null;
  if (encoded !== null) {
    history.replaceState(null, '', location.pathname + location.search);
  } else {
    encoded = sessionStorage.getItem(CREDENTIAL_ITEM);
  }
  if (!encoded) return null;
  const text = base64urlText(encoded);
  if (text === null) return null;
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  sessionStorage.setItem(CREDENTIAL_ITEM, encoded);
  return parsed;
}

function isJanusCredential(c) {
  return c.v === 1 && typeof c.api === 'string' && /^https?:\/\//.test(c.api) &&
    Number.isSafeInteger(c.room) && typeof c.token === 'string' && c.token !== '' &&
    Number.isSafeInteger(c.feed);
}

async function openDevices() {
  setState('checking_devices');
  if (!navigator.mediaDevices?.getUserMedia) {
    setState('no_webrtc');
    return null;
  }
  try {
    return await navigator.mediaDevices.getUserMedia({
      audio: true,
      video: { width: { ideal: 640 }, height: { ideal: 480 } },
    });
  } catch (error) {
    const name = error?.name ?? '';
    if (name === 'NotAllowedError' || name === 'SecurityError') setState('devices_refused');
    else if (name === 'NotFoundError' || name === 'OverconstrainedError') setState('devices_missing');
    else setState('devices_failed');
    return null;
  }
}

function finish(key) {
  if (over) return;
  over = true;
  clearTimeout(retryTimer);
  setState(key);
  $('room').hidden = true;
  for (const remote of remotes.values()) remote.tile.remove();
  remotes.clear();
  if (media) for (const track of media.getTracks()) track.stop();
  $('local-video').srcObject = null;
  if (janus) {
    const session = janus;
    janus = null;
    session.destroy({ cleanupHandles: true });
  }
}

function join() {
  if (over || !publisher) return;
  publisher.send({
    message: {
      request: 'join', ptype: 'publisher', room: credential.room, id: credential.feed,
      display: credential.name ?? '', token: credential.token,
    },
  });
}

// Asks again in 3 s while the credential lives.
function retryJoin() {
  clearTimeout(retryTimer);
  if (Date.now() + RETRY_MS >= credential.exp) {
    finish('expired');
    return;
  }
  retryTimer = setTimeout(join, RETRY_MS);
}

function publish() {
  const [audio] = media.getAudioTracks();
  const [video] = media.getVideoTracks();
  const tracks = [];
  if (audio) tracks.push({ type: 'audio', capture: audio, recv: false });
  if (video) tracks.push({ type: 'video', capture: video, recv: false });
  publisher.createOffer({
    tracks,
    success: (jsep) => publisher.send({ message: { request: 'publish' }, jsep }),
    error: () => finish('failed'),
  });
}

function removeRemote(feed) {
  const remote = remotes.get(feed);
  if (!remote) return;
  remotes.delete(feed);
  remote.tile.remove();
  remote.handle?.detach();
}

function subscribe(publisherInfo) {
  const feed = publisherInfo.id;
  if (feed === credential.feed || remotes.has(feed) || !janus) return;
  const tile = document.createElement('figure');
  tile.className = 'tile remote';
  tile.dataset.feed = String(feed);
  const video = document.createElement('video');
  video.autoplay = true;
  video.playsInline = true;
  const caption = document.createElement('figcaption');
  caption.textContent = publisherInfo.display ?? '';
  tile.append(video, caption);
  $('videos').append(tile);
  const stream = new MediaStream();
  video.srcObject = stream;
  const remote = { handle: null, stream, tile };
  remotes.set(feed, remote);
  janus.attach({
    plugin: VIDEOROOM,
    success: (handle) => {
      remote.handle = handle;
      handle.send({
        message: {
          request: 'join', ptype: 'subscriber', room: credential.room, streams: [{ feed }],
          private_id: privateId, token: credential.token,
        },
      });
    },
    error: () => removeRemote(feed),
    onmessage: (message, jsep) => {
      if (!jsep || !remote.handle) return;
      remote.handle.createAnswer({
        jsep,
        tracks: [{ type: 'data' }],
        success: (answer) => remote.handle.send({
          message: { request: 'start', room: credential.room }, jsep: answer,
        }),
        error: () => removeRemote(feed),
      });
    },
    onremotetrack: (track, mid, on) => {
      if (on) {
        if (!stream.getTracks().includes(track)) stream.addTrack(track);
      } else {
        for (const kept of stream.getTracks()) if (kept.id === track.id) stream.removeTrack(kept);
      }
      video.play().catch(() => {});
    },
  });
}

// The publisher handle's messages from the VideoRoom.
function onPublisherMessage(message, jsep) {
  if (jsep) publisher.handleRemoteJsep({ jsep });
  const kind = message.videoroom;
  if (kind === 'joined') {
    privateId = message.private_id;
    clearTimeout(retryTimer);
    setState('in_room');
    $('room').hidden = false;
    publish();
    for (const p of message.publishers ?? []) subscribe(p);
    return;
  }
  if (kind === 'destroyed') {
    finish('ended');
    return;
  }
  if (kind !== 'event') return;
  if (message.error_code === 433) {
    // Not in the room's allowed list yet: the waiting room.
    setState('waiting');
    retryJoin();
    return;
  }
  if (message.error_code === 436) {
    // Our feed id is still taken by a session that has not timed out yet
    // (a reload): ask again.
    setState('connecting');
    retryJoin();
    return;
  }
  if (message.error_code === 426) {
    finish('ended');
    return;
  }
  if (message.error_code) {
    finish('failed');
    return;
  }
  if (message.leaving === 'ok' && message.reason === 'kicked') {
    finish('removed');
    return;
  }
  for (const p of message.publishers ?? []) subscribe(p);
  for (const gone of [message.unpublished, message.leaving, message.kicked]) {
    if (gone !== undefined && gone !== 'ok') removeRemote(gone);
  }
}

function connect() {
  setState('connecting');
  janus = new window.Janus({
    server: credential.api,
    token: credential.token,
    // Only the servers the hub handed out: never a public STUN server by
    // default, so media stays on the hospital's own network.
    iceServers: Array.isArray(credential.ice) ? credential.ice : [],
    success: () => {
      janus.attach({
        plugin: VIDEOROOM,
        success: (handle) => {
          publisher = handle;
          join();
        },
        error: () => finish('failed'),
        onmessage: onPublisherMessage,
        onlocaltrack: () => {},
        onremotetrack: () => {},
      });
    },
    error: (cause) => {
      if (over) return;
      const text = String(cause ?? '');
      // Janus refuses a token it does not know (removed, expired) with
      // "Unauthorized request (wrong or missing secret/token)".
      finish(/unauthori[sz]ed/i.test(text) ? 'link_refused' : 'unreachable');
    },
    destroyed: () => {},
  });
}

function toggleMute() {
  const pressed = $('mute').getAttribute('aria-pressed') !== 'true';
  for (const track of media?.getAudioTracks() ?? []) track.enabled = !pressed;
  $('mute').setAttribute('aria-pressed', String(pressed));
  $('mute').textContent = t(pressed ? 'unmute' : 'mute');
}

function toggleCamera() {
  const pressed = $('camera').getAttribute('aria-pressed') !== 'true';
  for (const track of media?.getVideoTracks() ?? []) track.enabled = !pressed;
  $('camera').setAttribute('aria-pressed', String(pressed));
  $('camera').textContent = t(pressed ? 'camera_on' : 'camera_off');
}

function leave() {
  if (publisher && !over) publisher.send({ message: { request: 'leave' } });
  finish('left');
}

async function main() {
  credential = takeCredential();
  const kept = sessionStorage.getItem(LANGUAGE_ITEM);
  language = kept === 'ar' || kept === 'en' ? kept
    : credential?.lang === 'en' ? 'en' : 'ar';
  $('language').addEventListener('click', () => {
    language = language === 'ar' ? 'en' : 'ar';
    sessionStorage.setItem(LANGUAGE_ITEM, language);
    applyLanguage();
  });
  $('mute').addEventListener('click', toggleMute);
  $('camera').addEventListener('click', toggleCamera);
  $('leave').addEventListener('click', leave);
  applyLanguage();

  if (!credential) return setState('no_credential');
  applyLanguage();
  if (!isJanusCredential(credential)) return setState('other_provider');
  if (typeof credential.exp === 'number' && Date.now() >= credential.exp) return setState('expired');
  if (typeof credential.exp !== 'number') credential.exp = Number.MAX_SAFE_INTEGER;
  if (!window.Janus || !window.adapter) return setState('no_library');

  media = await openDevices();
  if (!media) return undefined;
  $('local-video').srcObject = media;

  window.Janus.init({
    debug: false,
    dependencies: window.Janus.useDefaultDependencies({ adapter: window.adapter }),
    callback: () => {
      if (!window.Janus.isWebrtcSupported()) return setState('no_webrtc');
      connect();
      return undefined;
    },
  });
  return undefined;
}

window.addEventListener('pagehide', () => {
  if (janus && !over) janus.destroy({ unload: true });
});

main();
