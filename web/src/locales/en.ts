// English; keys mirror zh-CN.
import type { zhCN } from './zh-CN';

export const en: typeof zhCN = {
  app: { name: 'Tillpoint', language: 'Language', logout: 'Sign out' },
  login: {
    title: 'Sign in',
    password: 'Password',
    pin: 'Cashier PIN',
    username: 'Username',
    passwordLabel: 'Password',
    pinLabel: 'PIN',
    store: 'Store code',
    terminal: 'Till code',
    submit: 'Sign in',
    failed: 'Sign-in failed',
  },
  pos: {
    title: 'Till',
    scanPlaceholder: 'Scan a product, member or payment code, then Enter',
    cart: 'Cart',
    empty: 'The cart is empty: scan a product',
    total: 'Total',
    paid: 'Paid',
    due: 'Due',
    cashier: 'Cashier',
    terminal: 'Till',
    notYet: 'Products and checkout are coming next',
  },
  admin: {
    title: 'Back office',
    welcome: 'Welcome, {{name}}',
    comingSoon: 'This module is coming soon',
    nav: {
      dashboard: 'Dashboard',
      catalog: 'Catalog',
      checkout: 'Checkout & shifts',
      members: 'Members',
      returns: 'Return approvals',
      reconciliation: 'Reconciliation',
      reports: 'Reports',
      inventory: 'Inventory',
      stores: 'Stores',
      users: 'Users & roles',
    },
    stores: 'Stores you can see',
  },
};
