import { parseResidentId, residentIdCheckCharacter } from "../../src/shared/identity/resident-id";
import { USCC_ALPHABET, parseUscc, usccCheckCharacter } from "../../src/shared/identity/uscc";

// Every code here is made from a chosen body and the check function, never copied from elsewhere.
const uscc = (first17: string) => first17 + usccCheckCharacter(first17);
const residentId = (first17: string) => first17 + residentIdCheckCharacter(first17);

function usccRefusal(raw: string): string {
  const result = parseUscc(raw);
  if (result.ok) throw new Error(`expected ${JSON.stringify(raw)} to be refused, got ${result.value}`);
  return result.reason;
}

/** The reason for refusing raw, checked not to repeat the number, its first 17 digits or its birth date. */
function idRefusal(raw: string, today?: Date): string {
  const result = parseResidentId(raw, today);
  if (result.ok) throw new Error(`expected a refusal, got a number born ${result.birthDate}`);
  const digits = raw.trim();
  for (const secret of [digits, digits.slice(0, 17), digits.slice(0, 15), digits.length >= 14 ? digits.slice(6, 14) : null]) {
    if (secret && secret.length >= 8) expect(result.reason).not.toContain(secret);
  }
  return result.reason;
}

describe("unified social credit codes (GB 32100-2015)", () => {
  const codes = [
    uscc("91110108MA01ABCDE"),
    uscc("12100000400012345"),
    uscc("5144030033500000K"),
    uscc("Y1330106MA2GQWXY0"),
    uscc("93210000PTUWXY123"),
  ];

  it("computes the check character by the standard's weights (sums worked by hand)", () => {
    expect(usccCheckCharacter("00000000000000000")).toBe("0"); // sum 0
    expect(usccCheckCharacter("10000000000000000")).toBe("Y"); // 1×1 → 31 − 1 = 30 → Y
    expect(usccCheckCharacter("00000000000000001")).toBe("3"); // 1×28 → 31 − 28 = 3
    expect(usccCheckCharacter("A0000000000000000")).toBe("M"); // 10×1 → 21 → M
    expect(usccCheckCharacter("0Y000000000000000")).toBe("3"); // 30×3 = 90 ≡ 28 → 3
  });

  it.each(codes)("accepts %s", (code) => {
    expect(parseUscc(code)).toEqual({ ok: true, value: code });
  });

  it("accepts a code whose check character wraps round to 0", () => {
    // Vary the 17th character until the weighted sum is a multiple of 31.
    const body = [...USCC_ALPHABET].map((c) => `9144030071234567${c}`).find((b) => usccCheckCharacter(b) === "0");
    expect(body).toBeDefined();
    expect(parseUscc(`${body}0`)).toEqual({ ok: true, value: `${body}0` });
  });

  it("trims and upper-cases lower-case letters", () => {
    const code = codes[0];
    expect(parseUscc(`  ${code.toLowerCase()}\t`)).toEqual({ ok: true, value: code });
    expect(parseUscc(`\u3000${code}\n`)).toEqual({ ok: true, value: code });
  });

  it.each(codes)("refuses every single-character substitution of %s", (code) => {
    let tried = 0;
    for (let position = 0; position < code.length; position++) {
      for (const c of USCC_ALPHABET) {
        if (c === code[position]) continue;
        const changed = code.slice(0, position) + c + code.slice(position + 1);
        expect(usccRefusal(changed)).toMatch(/check character/);
        tried++;
      }
    }
    expect(tried).toBe(18 * 30);
  });

  it("names the check character it expected", () => {
    const code = codes[1];
    const wrong = USCC_ALPHABET[(USCC_ALPHABET.indexOf(code[17]) + 1) % 31];
    expect(usccRefusal(code.slice(0, 17) + wrong)).toBe(
      `the check character (the 18th) of the unified social credit code is "${wrong}", ` +
        `but the first 17 characters call for "${code[17]}": one of the characters is mistyped`,
    );
  });

  it("says how many characters were given when the length is wrong", () => {
    expect(usccRefusal(codes[0].slice(0, 17))).toMatch(/has 18 characters, but 17 were given/);
    expect(usccRefusal(`${codes[0]}1`)).toMatch(/but 19 were given/);
    expect(usccRefusal("A")).toMatch(/but 1 was given/);
    expect(usccRefusal("")).toMatch(/but none was given/);
    expect(usccRefusal("   ")).toMatch(/but none was given/);
    // Characters, not UTF-16 units: one emoji is one character.
    expect(usccRefusal(`${codes[0].slice(0, 17)}😀`)).toMatch(/character 18 .*"😀" \(U\+1F600\)/);
  });

  it.each(["I", "O", "Z", "S", "V", "i", "o", "z", "s", "v"])("refuses the letter %s, naming it and its position", (letter) => {
    for (const position of [0, 7, 16, 17]) {
      const code = codes[0].slice(0, position) + letter + codes[0].slice(position + 1);
      expect(usccRefusal(code)).toMatch(
        new RegExp(`^character ${position + 1} of the unified social credit code, "${letter}", is not allowed`),
      );
    }
  });

  it("refuses full-width characters, spaces and punctuation inside the code", () => {
    const at = (position: number, c: string) => codes[0].slice(0, position) + c + codes[0].slice(position + 1);
    expect(usccRefusal(at(2, "１"))).toMatch(/^character 3 .*"１" \(U\+FF11\), is not allowed/);
    expect(usccRefusal(at(4, "Ａ"))).toMatch(/^character 5 .*"Ａ" \(U\+FF21\)/);
    expect(usccRefusal(at(5, " "))).toMatch(/^character 6 .*a space \(U\+0020\)/);
    expect(usccRefusal(at(9, "-"))).toMatch(/^character 10 .*"-"/);
    expect(usccRefusal(at(1, "\u0000"))).toMatch(/^character 2 .*U\+0000/);
    expect(usccRefusal(at(3, "中"))).toMatch(/^character 4 .*"中" \(U\+4E2D\)/);
  });

  it("refuses to compute a check character over anything but 17 alphabet characters", () => {
    expect(() => usccCheckCharacter("1234567890123456")).toThrow(/17 characters, not 16/);
    expect(() => usccCheckCharacter("91110108MA01ABCDI")).toThrow(/character 17, "I"/);
    expect(() => usccCheckCharacter("91110108ma01abcde")).toThrow(/character 9, "m"/);
  });

  it("random bodies: the made code is accepted and every other check character refused", () => {
    let seed = 42;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % 31;
    for (let n = 0; n < 300; n++) {
      const body = Array.from({ length: 17 }, () => USCC_ALPHABET[next()]).join("");
      const check = usccCheckCharacter(body);
      expect(parseUscc(body + check)).toEqual({ ok: true, value: body + check });
      const accepted = [...USCC_ALPHABET].filter((c) => parseUscc(body + c).ok);
      expect(accepted).toEqual([check]);
    }
  });
});

describe("resident ID numbers (GB 11643-1999, ISO 7064 MOD 11-2)", () => {
  const today = new Date("2024-06-15T12:00:00Z");
  const numbers = [residentId("33010619850715123"), residentId("44030520000229456"), residentId("51010419000101001")];
  // A body whose check character is X, found by varying the sequence number.
  const withX = Array.from({ length: 100 }, (_, n) => `21020219770304${String(n).padStart(3, "0")}`)
    .map(residentId)
    .find((id) => id.endsWith("X"))!;

  it("computes the check character by the standard's weights (sums worked by hand)", () => {
    expect(residentIdCheckCharacter("00000000000000000")).toBe("1"); // sum 0 → "10X98765432"[0]
    expect(residentIdCheckCharacter("10000000000000000")).toBe("5"); // 1×7 → [7]
    expect(residentIdCheckCharacter("00000000000000001")).toBe("X"); // 1×2 → [2]
    expect(residentIdCheckCharacter("00000000000000010")).toBe("8"); // 1×4 → [4]
    expect(residentIdCheckCharacter("99999999999999999")).toBe("3"); // 9×100 = 900 ≡ 9 → [9]
  });

  it.each(numbers)("accepts %s and returns its birth date", (id) => {
    const result = parseResidentId(id, today);
    const d = id.slice(6, 14);
    expect(result).toEqual({ ok: true, value: id, birthDate: `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6)}` });
  });

  it("accepts a final X and normalises a lower-case x", () => {
    expect(withX).toBeDefined();
    expect(parseResidentId(withX, today)).toMatchObject({ ok: true, value: withX, birthDate: "1977-03-04" });
    expect(parseResidentId(withX.slice(0, 17) + "x", today)).toMatchObject({ ok: true, value: withX });
    expect(parseResidentId(` ${withX.toLowerCase()}\n`, today)).toMatchObject({ ok: true, value: withX });
  });

  it.each([...numbers, withX])("refuses every single-character substitution of %s", (id) => {
    let tried = 0;
    for (let position = 0; position < 18; position++) {
      for (const c of position < 17 ? "0123456789" : "0123456789X") {
        if (c === id[position]) continue;
        const changed = id.slice(0, position) + c + id.slice(position + 1);
        expect(idRefusal(changed, today)).toMatch(/check character|birth date/);
        tried++;
      }
    }
    expect(tried).toBe(17 * 9 + 10);
  });

  it("says the check character is wrong without suggesting the right one", () => {
    const id = numbers[0];
    const wrong = id[17] === "0" ? "1" : "0";
    expect(idRefusal(id.slice(0, 17) + wrong, today)).toBe(
      "the check character (the 18th) of the resident ID number does not match the first 17 digits: one of the characters is mistyped",
    );
  });

  it("refuses 15-digit first-generation numbers, asking for the 18-digit one", () => {
    const reason = idRefusal("330106850715123", today);
    expect(reason).toMatch(/15-digit first-generation .* no longer accepted/);
    expect(reason).toMatch(/18-digit number/);
    expect(idRefusal(" 330106850715123 ", today)).toBe(reason);
  });

  it("refuses other lengths, saying how many characters were given", () => {
    expect(idRefusal(numbers[0].slice(0, 17), today)).toMatch(/has 18 characters .* but 17 were given/);
    expect(idRefusal(`${numbers[0]}0`, today)).toMatch(/but 19 were given/);
    expect(idRefusal("33010619850", today)).toMatch(/but 11 were given/);
    expect(idRefusal("", today)).toMatch(/but none was given/);
    // Fifteen characters that are not all digits are not a first-generation number either.
    expect(idRefusal("33010685071512X", today)).toMatch(/but 15 were given/);
  });

  describe("the birth date", () => {
    // A number born on the date, with a correct check character, so only the date can be at fault.
    const bornOn = (yyyymmdd: string) => residentId(`110108${yyyymmdd}017`);

    it("accepts 29 February in leap years, including 2000, divisible by 400", () => {
      expect(parseResidentId(bornOn("20000229"), today)).toMatchObject({ ok: true, birthDate: "2000-02-29" });
      expect(parseResidentId(bornOn("19960229"), today)).toMatchObject({ ok: true, birthDate: "1996-02-29" });
      expect(parseResidentId(bornOn("20240229"), today)).toMatchObject({ ok: true, birthDate: "2024-02-29" });
    });

    it("refuses 29 February in other years, including 1900, a century not divisible by 400", () => {
      for (const date of ["20230229", "19990229", "19000229", "21000229"]) {
        expect(idRefusal(bornOn(date), new Date("2200-01-01T00:00:00Z"))).toMatch(/is not a real calendar date$/);
      }
    });

    it.each(["20230230", "19850431", "19851301", "19850001", "19850100", "19851232", "19859999"])("refuses %s, not a real date", (date) => {
      expect(idRefusal(bornOn(date), today)).toBe(
        "the birth date in characters 7 to 14 of the resident ID number (YYYYMMDD) is not a real calendar date",
      );
    });

    it("accepts 1900-01-01 and refuses anything earlier", () => {
      expect(parseResidentId(bornOn("19000101"), today)).toMatchObject({ ok: true, birthDate: "1900-01-01" });
      for (const date of ["18991231", "18000101", "00990101", "00000000"]) {
        expect(idRefusal(bornOn(date), today)).toMatch(/is before 1900-01-01$/);
      }
    });

    it("accepts today and refuses tomorrow, by the date in UTC", () => {
      expect(parseResidentId(bornOn("20240615"), today)).toMatchObject({ ok: true, birthDate: "2024-06-15" });
      expect(idRefusal(bornOn("20240616"), today)).toMatch(/is in the future$/);
      expect(idRefusal(bornOn("20250101"), today)).toMatch(/is in the future$/);
    });

    it("takes today's date in UTC, whatever the machine's time zone", () => {
      // 23:30 on the 15th at UTC−2 is already the 16th in UTC; 07:00 on the 16th in Beijing is still the 15th.
      expect(parseResidentId(bornOn("20240616"), new Date("2024-06-15T23:30:00-02:00")).ok).toBe(true);
      expect(parseResidentId(bornOn("20240616"), new Date("2024-06-16T07:00:00+08:00")).ok).toBe(false);
      // The tests run in whatever zone the machine has (often UTC): a Date whose local-time getters are
      // those of UTC+14 stands in for a machine far from it.
      const offset = 14 * 3600_000;
      class KiribatiDate extends Date {
        getFullYear() { return new Date(this.getTime() + offset).getUTCFullYear(); }
        getMonth() { return new Date(this.getTime() + offset).getUTCMonth(); }
        getDate() { return new Date(this.getTime() + offset).getUTCDate(); }
      }
      const lateOn15th = new KiribatiDate("2024-06-15T20:00:00Z"); // 10:00 on the 16th in Kiribati
      expect(lateOn15th.getDate()).toBe(16);
      expect(parseResidentId(bornOn("20240615"), lateOn15th).ok).toBe(true);
      expect(idRefusal(bornOn("20240616"), lateOn15th)).toMatch(/is in the future$/);
    });

    it("compares with the current date when no date is given", () => {
      expect(idRefusal(bornOn("29990101"))).toMatch(/is in the future$/);
      expect(parseResidentId(bornOn("19850715")).ok).toBe(true);
    });

    it("refuses an invalid today", () => {
      expect(() => parseResidentId(bornOn("19850715"), new Date("not a date"))).toThrow(/valid Date/);
    });
  });

  it("refuses letters, full-width digits, spaces and signs, naming only the character", () => {
    const id = numbers[0];
    const at = (position: number, c: string) => id.slice(0, position) + c + id.slice(position + 1);
    expect(idRefusal(at(3, "A"), today)).toMatch(/^character 4 of the resident ID number, "A", is not a digit/);
    expect(idRefusal(at(16, "X"), today)).toMatch(/^character 17 .*"X", is not a digit/);
    expect(idRefusal(at(10, "x"), today)).toMatch(/^character 11 .*"x", is not a digit/);
    expect(idRefusal(at(0, "１"), today)).toMatch(/^character 1 .*"１" \(U\+FF11\), is not a digit/);
    expect(idRefusal(at(8, " "), today)).toMatch(/^character 9 .*a space \(U\+0020\)/);
    expect(idRefusal(at(12, "-"), today)).toMatch(/^character 13 .*"-"/);
    expect(idRefusal(at(17, "Y"), today)).toMatch(/^the last character .*"Y", must be a digit 0-9 or X/);
    expect(idRefusal(at(17, "Ｘ"), today)).toMatch(/"Ｘ" \(U\+FF38\), must be a digit 0-9 or X/);
    // Written wholly in full-width digits: 18 characters, none of them ASCII.
    const fullWidth = id.replace(/[0-9]/g, (d) => String.fromCharCode(0xff10 + Number(d)));
    expect(idRefusal(fullWidth, today)).toMatch(/^character 1 .*\(U\+FF1\d\), is not a digit/);
    // Spaced in groups, as people sometimes write it.
    expect(idRefusal(`${id.slice(0, 6)} ${id.slice(6, 14)} ${id.slice(14)}`, today)).toMatch(/but 20 were given/);
  });

  it("never repeats the number in a reason", () => {
    // idRefusal checks each reason; this runs it over one refusal of every kind, on a number with an X.
    const body = withX.slice(0, 17);
    const cases = [
      body + "0",
      body.slice(0, 16) + "A" + "X",
      withX.slice(0, 14),
      withX + "1",
      withX.slice(0, 6) + "20991231" + withX.slice(14),
      withX.slice(0, 6) + "19770231" + withX.slice(14),
      withX.slice(0, 6) + "18991231" + withX.slice(14),
      withX.slice(0, 15),
      withX.slice(0, 6) + withX.slice(8, 17),
    ];
    for (const raw of cases) {
      const reason = idRefusal(raw, today);
      expect(reason).not.toMatch(/\d{5,}/);
    }
  });

  it("refuses to compute a check character over anything but 17 ASCII digits, without repeating them", () => {
    for (const bad of ["3301061985071512", "330106198507151234", "3301061985071512X", "３３０１０６１９８５０７１５１２３"]) {
      expect(() => residentIdCheckCharacter(bad)).toThrow(/exactly 17 ASCII digits$/);
    }
  });

  it("random bodies: the made number is accepted and every other check character refused", () => {
    let seed = 7;
    const next = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    for (let n = 0; n < 300; n++) {
      const birth = `${1900 + next(124)}${String(1 + next(12)).padStart(2, "0")}${String(1 + next(28)).padStart(2, "0")}`;
      const body = `${String(110000 + next(800000))}${birth}${String(next(1000)).padStart(3, "0")}`;
      const check = residentIdCheckCharacter(body);
      expect(parseResidentId(body + check, today)).toMatchObject({ ok: true, value: body + check });
      const accepted = [..."0123456789X"].filter((c) => parseResidentId(body + c, today).ok);
      expect(accepted).toEqual([check]);
    }
  });
});
