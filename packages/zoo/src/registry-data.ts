export const ZOO_DATA = [];
