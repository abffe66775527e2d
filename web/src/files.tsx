import { useEffect, useState } from 'preact/hooks';
import { rest } from './api.js';

interface Info {
  url: string;
  name: string;
  image: boolean;
}

const cache = new Map<string, Promise<Info>>();

/**
 * A link from im.v2.File.download names the portal's HTTPS address; the page may be on the
 * HTTP port (no local CA needed), so the same path and token are used on this origin.
 */
function sameOrigin(link: string): string {
  const u = new URL(link, location.href);
  return `${u.pathname}${u.search}`;
}

/** A chat file's link (im.v2.File.download) and, from its headers, its name and whether it is an image. */
function fileInfo(fileId: number, dialogId: string): Promise<Info> {
  const key = `${dialogId}:${fileId}`;
  let p = cache.get(key);
  if (!p) {
    p = (async () => {
      const { downloadUrl } = await rest<{ downloadUrl: string }>('im.v2.File.download', { fileId, dialogId });
      const url = sameOrigin(downloadUrl);
      const head = await fetch(url, { method: 'HEAD' });
      const disposition = head.headers.get('content-disposition') ?? '';
      const star = /filename\*=UTF-8''([^;]+)/i.exec(disposition)?.[1];
      const plain = /filename="?([^";]+)"?/i.exec(disposition)?.[1];
      const name = star ? decodeURIComponent(star) : plain ?? `file ${fileId}`;
      return { url, name, image: (head.headers.get('content-type') ?? '').startsWith('image/') };
    })();
    cache.set(key, p);
    p.catch(() => cache.delete(key));
  }
  return p;
}

/** A file of a message: images shown, every file downloadable. */
export function FileView({ fileId, dialogId }: { fileId: number; dialogId: string }) {
  const [info, setInfo] = useState<Info | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    fileInfo(fileId, dialogId).then(setInfo, () => setFailed(true));
  }, [fileId, dialogId]);
  if (failed) return <div class="file muted">File unavailable</div>;
  if (!info) return <div class="file muted">…</div>;
  return (
    <div class="file" data-file={fileId}>
      {info.image ? <a href={info.url} target="_blank" rel="noopener"><img class="file-image" src={info.url} alt={info.name} /></a> : null}
      <a class="file-link" href={info.url} download={info.name}>⬇ {info.name}</a>
    </div>
  );
}

/** Reads a picked file as Base64, the form im.v2.File.upload takes. */
export function readBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ''));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}
