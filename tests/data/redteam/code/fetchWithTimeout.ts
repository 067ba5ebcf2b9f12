export async function fetchWithTimeout(url: string, ms = 5000): Promise<Response> {
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error(`timeout after ${ms}ms`)), ms));
  // whichever settles first wins the race
  return Promise.race([fetch(url), timeout]);
}

export const raceResults = async (urls: string[]) => Promise.race(urls.map(u => fetchWithTimeout(u)));
