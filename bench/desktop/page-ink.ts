/// <reference lib="dom" />
/**
 * Whether part of a page shows something: the share of an element's pixels that are not near-white,
 * measured on its Playwright screenshot (decoded in the page itself, so no PNG library is needed).
 * The desktop benchmark and the end-to-end tests use it to tell a drawn view from a blank one.
 */
import type { Locator, Page } from 'playwright-core';

export async function inkFraction(page: Page, target: Locator): Promise<number> {
  const png = (await target.screenshot()).toString('base64');
  return page.evaluate(async (data) => {
    const image = new Image();
    image.src = `data:image/png;base64,${data}`;
    await image.decode();
    const canvas = document.createElement('canvas');
    [canvas.width, canvas.height] = [image.width, image.height];
    const context = canvas.getContext('2d')!;
    context.drawImage(image, 0, 0);
    const pixels = context.getImageData(0, 0, image.width, image.height).data;
    let ink = 0;
    // Near-white: the three channels sum to 720 or more (of 765).
    for (let i = 0; i < pixels.length; i += 4) if (pixels[i]! + pixels[i + 1]! + pixels[i + 2]! < 720) ink++;
    return ink / (pixels.length / 4);
  }, png);
}
