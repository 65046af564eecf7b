import { describe, expect, it } from "vitest";
import { sniffImageType } from "./asset.js";

const bytes = (...parts: Array<number[] | string>) => Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p, "latin1") : Buffer.from(p))));

describe("sniffImageType", () => {
  it("knows each image type by its first bytes, whatever a client claims", () => {
    expect(sniffImageType(bytes([0xff, 0xd8, 0xff, 0xe0], "rest"))).toBe("image/jpeg");
    expect(sniffImageType(bytes([0x89], "PNG\r\n\x1a\n", "rest"))).toBe("image/png");
    expect(sniffImageType(bytes("GIF89a", "rest"))).toBe("image/gif");
    expect(sniffImageType(bytes("GIF87a", "rest"))).toBe("image/gif");
    expect(sniffImageType(bytes("RIFF", [1, 2, 3, 4], "WEBPVP8 "))).toBe("image/webp");
  });

  it("takes nothing else: text, a RIFF that is not WebP, a cut-off header, nothing", () => {
    expect(sniffImageType(bytes("<svg xmlns='http://www.w3.org/2000/svg'/>"))).toBeNull();
    expect(sniffImageType(bytes("RIFF", [1, 2, 3, 4], "WAVEfmt "))).toBeNull();
    expect(sniffImageType(bytes("GIF8"))).toBeNull();
    expect(sniffImageType(bytes([0x89], "PN"))).toBeNull();
    expect(sniffImageType(new Uint8Array())).toBeNull();
  });
});
