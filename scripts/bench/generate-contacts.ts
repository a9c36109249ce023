/**
 * A seeded generator of contact CSV files for the import benchmark (never a committed big file).
 * Written as people's files are: mostly Australian mobiles in national format ("0412 345 678"), some
 * international ("+61 4…"), a few US numbers, ~1 % repeated phones, ~0.5 % unusable numbers, names with
 * commas (quoted), emails. The same seed gives the same bytes. Streams to disk: memory stays flat.
 */
import { createWriteStream } from 'node:fs';

/** mulberry32: small, fast, good enough for test data. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const first = ['Ana', 'Bo', 'Cy', 'Dee', 'Eli', 'Fay', 'Gus', 'Hana', 'Ivo', 'Jo', 'Kai', 'Liv', 'Max', 'Nia', 'Oli', 'Pia'];
const last = ['Lee', 'Smith', 'Nguyen', 'Brown', 'Wilson', 'Taylor', "O'Neil", 'Martin', 'Singh', 'Chen'];

export type GeneratedFile = { path: string; rows: number; bytes: number };

export async function generateContactsCsv(path: string, rows: number, seed = 42): Promise<GeneratedFile> {
  const random = seededRandom(seed);
  const out = createWriteStream(path);
  let bytes = 0;
  const write = (text: string) =>
    new Promise<void>((resolve) => {
      bytes += Buffer.byteLength(text);
      if (out.write(text)) resolve();
      else out.once('drain', () => resolve());
    });
  await write('phone,email,first_name,last_name,tags\r\n');
  let buffer = '';
  for (let i = 0; i < rows; i++) {
    const r = random();
    // Unique mobile per row (0491 000 000 + i), except the repeats and the junk.
    const n = 10_000_000 + (r < 0.01 && i > 0 ? Math.floor(random() * i) : i);
    const digits = `4${String(n).padStart(8, '0').slice(-8)}`;
    let phone: string;
    if (r < 0.005) phone = 'n/a';
    else if (r < 0.02) phone = `+1 212 555 ${String(1000 + (i % 9000))}`;
    else if (r < 0.2) phone = `+61 ${digits.slice(0, 3)} ${digits.slice(3, 6)} ${digits.slice(6)}`;
    else phone = `0${digits.slice(0, 3)} ${digits.slice(3, 6)} ${digits.slice(6)}`;
    const f = first[Math.floor(random() * first.length)] as string;
    const l = last[Math.floor(random() * last.length)] as string;
    const name = random() < 0.05 ? `"${l}, ${f}"` : l;
    buffer += `${phone},${f.toLowerCase()}.${i}@example.com,${f},${name},${random() < 0.3 ? 'vip' : ''}\r\n`;
    if (buffer.length > 1 << 20) {
      await write(buffer);
      buffer = '';
    }
  }
  await write(buffer);
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  return { path, rows, bytes };
}
