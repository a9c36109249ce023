/**
 * US and Canadian area codes → state or province and time zone(s), for quiet hours when a contact has
 * no time zone of its own.
 *
 * Approximations, on purpose:
 * - An area code says where a number was assigned, not where its owner is now (mobile numbers move with
 *   people, and numbers are ported). It is the best evidence a sender has, and it is what the industry
 *   uses; a contact's own `timezone`, when known, always wins over it.
 * - Area codes that straddle a time-zone line list every zone they touch (e.g. 850, the Florida
 *   panhandle: Eastern and Central). Quiet hours then allow only instants that are inside the window in
 *   all of them, so the guess errs towards waiting, never towards texting someone at night.
 * - Zones with identical rules share one canonical name (all of Eastern US is America/New_York,
 *   Indiana's and Kentucky's and Michigan's own zone names included; Quebec uses America/Toronto).
 * - Codes for the territories (867: Yukon, NWT, Nunavut) span several zones and have no single region.
 * - Non-geographic codes (toll-free 8XX, 500, 600, 700, 900) are absent: they say nothing about place.
 * - The list reflects NANPA assignments through 2025, including recent overlays. A code missing from it
 *   (a new overlay) falls back to the tenant's time zone, as any number with no derivable zone does.
 */
const zoneCodes = {
  E: 'America/New_York',
  C: 'America/Chicago',
  M: 'America/Denver',
  P: 'America/Los_Angeles',
  AZ: 'America/Phoenix',
  AK: 'America/Anchorage',
  HI: 'Pacific/Honolulu',
  BOI: 'America/Boise',
  CE: 'America/Toronto',
  CC: 'America/Winnipeg',
  CS: 'America/Regina',
  CM: 'America/Edmonton',
  CP: 'America/Vancouver',
  CA: 'America/Halifax',
  CMO: 'America/Moncton',
  CN: 'America/St_Johns',
  CG: 'America/Goose_Bay',
  CY: 'America/Whitehorse',
  CI: 'America/Iqaluit',
} as const;
type ZoneCode = keyof typeof zoneCodes;

/**
 * [country, region, default zones, codes]. A code written `850:E+C` overrides the region's zones.
 * Regions are USPS state codes and Canada Post province codes, the keys quiet-hours rules use.
 */
const table: ReadonlyArray<readonly ['US' | 'CA', string | null, string, string]> = [
  ['US', 'AL', 'C', '205 251 256 334 659 938'],
  ['US', 'AK', 'AK', '907'],
  ['US', 'AZ', 'AZ', '480 520 602 623 928'],
  ['US', 'AR', 'C', '327 479 501 870'],
  ['US', 'CA', 'P', '209 213 279 310 323 341 350 369 408 415 424 442 510 530 559 562 619 626 628 650 657 661 669 707 714 738 747 760 805 818 820 831 840 858 909 916 925 949 951'],
  ['US', 'CO', 'M', '303 719 720 748 970 983'],
  ['US', 'CT', 'E', '203 475 860 959'],
  ['US', 'DE', 'E', '302'],
  ['US', 'DC', 'E', '202 771'],
  ['US', 'FL', 'E', '239 305 321 324 352 386 407 448:E+C 561 645 656 689 727 728 754 772 786 813 850:E+C 863 904 941 954'],
  ['US', 'GA', 'E', '229 404 470 478 678 706 762 770 912 943'],
  ['US', 'HI', 'HI', '808'],
  ['US', 'ID', 'BOI+P', '208 986'],
  ['US', 'IL', 'C', '217 224 309 312 331 447 464 618 630 708 730 773 779 815 847 861 872'],
  ['US', 'IN', 'E', '219:C 260 317 463 574 765 812:E+C 930:E+C'],
  ['US', 'IA', 'C', '319 515 563 641 712'],
  ['US', 'KS', 'C', '316 620:C+M 785:C+M 913'],
  ['US', 'KY', 'E', '270:C+E 364:C+E 502 606 859'],
  ['US', 'LA', 'C', '225 318 337 504 985'],
  ['US', 'ME', 'E', '207'],
  ['US', 'MD', 'E', '227 240 301 410 443 667'],
  ['US', 'MA', 'E', '339 351 413 508 617 774 781 857 978'],
  ['US', 'MI', 'E', '231 248 269 313 517 586 616 679 734 810 906:E+C 947 989'],
  ['US', 'MN', 'C', '218 320 507 612 651 763 924 952'],
  ['US', 'MS', 'C', '228 601 662 769'],
  ['US', 'MO', 'C', '235 314 417 557 573 636 660 816 975'],
  ['US', 'MT', 'M', '406'],
  ['US', 'NE', 'C', '308:C+M 402 531'],
  ['US', 'NV', 'P', '702 725 775'],
  ['US', 'NH', 'E', '603'],
  ['US', 'NJ', 'E', '201 551 609 640 732 848 856 862 908 973'],
  ['US', 'NM', 'M', '505 575'],
  ['US', 'NY', 'E', '212 315 329 332 347 363 516 518 585 607 624 631 646 680 716 718 838 845 914 917 929 934'],
  ['US', 'NC', 'E', '252 336 472 704 743 828 910 919 980 984'],
  ['US', 'ND', 'C+M', '701'],
  ['US', 'OH', 'E', '216 220 234 283 326 330 380 419 436 440 513 567 614 740 937'],
  ['US', 'OK', 'C', '405 539 572 580 918'],
  ['US', 'OR', 'P', '458:P+BOI 503 541:P+BOI 971'],
  ['US', 'PA', 'E', '215 223 267 272 412 445 484 570 582 610 717 724 814 835 878'],
  ['US', 'RI', 'E', '401'],
  ['US', 'SC', 'E', '803 821 839 843 854 864'],
  ['US', 'SD', 'C+M', '605'],
  ['US', 'TN', 'C', '423:E 615 629 731 865:E 901 931'],
  ['US', 'TX', 'C', '210 214 254 281 325 346 361 409 430 432 469 512 682 713 726 737 806 817 830 832 903 915:M 936 940 945 956 972 979'],
  ['US', 'UT', 'M', '385 435 801'],
  ['US', 'VT', 'E', '802'],
  ['US', 'VA', 'E', '276 434 540 571 686 703 757 804 826 948'],
  ['US', 'WA', 'P', '206 253 360 425 509 564'],
  ['US', 'WV', 'E', '304 681'],
  ['US', 'WI', 'C', '262 274 353 414 534 608 715 920'],
  ['US', 'WY', 'M', '307'],
  ['CA', 'AB', 'CM', '368 403 587 780 825'],
  // BC's overlays cover the Kootenays (Mountain time) as well as the coast.
  ['CA', 'BC', 'CP+CM', '236 250 257 604:CP 672 778'],
  ['CA', 'MB', 'CC', '204 431 584'],
  ['CA', 'NB', 'CMO', '428 506'],
  ['CA', 'NL', 'CN+CG', '709 879'],
  // 902 and 782 serve Nova Scotia and Prince Edward Island alike (same zone, same rules).
  ['CA', 'NS', 'CA', '782 902'],
  ['CA', 'ON', 'CE', '226 249 289 343 365 382 416 437 519 548 613 647 683 705 742 753 807:CE+CC 905 942'],
  ['CA', 'QC', 'CE', '263 354 367 418 438 450 468 514 579 581 819 873'],
  ['CA', 'SK', 'CS', '306 474 639'],
  ['CA', null, 'CY+CM+CC+CE', '867'],
];

export type AreaCodeInfo = { country: 'US' | 'CA'; region: string | null; timeZones: string[] };

const zonesOf = (spec: string): string[] => spec.split('+').map((code) => zoneCodes[code as ZoneCode]);

const byAreaCode = new Map<string, AreaCodeInfo>();
for (const [country, region, defaultZones, codes] of table) {
  for (const token of codes.split(' ')) {
    const [code = '', zones] = token.split(':');
    byAreaCode.set(code, { country, region, timeZones: zonesOf(zones ?? defaultZones) });
  }
}

/** All area codes in the table (for tests and for showing coverage). */
export const knownAreaCodes: readonly string[] = [...byAreaCode.keys()];

/** The place of a +1 number's area code (`+12125550100` → NY, America/New_York), or null if unknown. */
export function lookupAreaCode(e164OrAreaCode: string): AreaCodeInfo | null {
  const areaCode = e164OrAreaCode.startsWith('+1') ? e164OrAreaCode.slice(2, 5) : e164OrAreaCode;
  return byAreaCode.get(areaCode) ?? null;
}
