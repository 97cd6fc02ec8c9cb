// Money on screen: the server's exact helpers, so the till formats and parses like the API.
export { formatMoney, parseYuan } from '../../src/platform/money';
