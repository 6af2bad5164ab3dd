import { Matches } from "class-validator";
import { badInput } from "./errors";

/** GB/T 2260 province-level codes (省级行政区划代码). */
export const PROVINCES: Readonly<Record<string, string>> = {
  "11": "Beijing", "12": "Tianjin", "13": "Hebei", "14": "Shanxi", "15": "Inner Mongolia",
  "21": "Liaoning", "22": "Jilin", "23": "Heilongjiang",
  "31": "Shanghai", "32": "Jiangsu", "33": "Zhejiang", "34": "Anhui", "35": "Fujian", "36": "Jiangxi", "37": "Shandong",
  "41": "Henan", "42": "Hubei", "43": "Hunan", "44": "Guangdong", "45": "Guangxi", "46": "Hainan",
  "50": "Chongqing", "51": "Sichuan", "52": "Guizhou", "53": "Yunnan", "54": "Tibet",
  "61": "Shaanxi", "62": "Gansu", "63": "Qinghai", "64": "Ningxia", "65": "Xinjiang",
  "71": "Taiwan", "81": "Hong Kong", "82": "Macao",
};

export function isProvince(code: string): boolean {
  return Object.prototype.hasOwnProperty.call(PROVINCES, code);
}

/** Input shape of a province: two digits; whether they name a province is checked by assertProvince. */
export const IsProvinceCode = () => Matches(/^\d{2}$/, { message: 'province must be a two-digit GB/T 2260 code such as "21"' });

/** BAD_USER_INPUT unless the value is null or a GB/T 2260 province code. */
export function assertProvince(value: string | null | undefined, argument = "province"): void {
  if (value != null && !isProvince(value)) throw badInput(`province "${value}" is not a GB/T 2260 province code`, { argument });
}
