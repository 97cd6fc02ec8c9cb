// Open carts live in the store node's memory, like the till's screen: a scan must not wait on a
// disk write. Held carts (挂单) are written to the database; money taken is written with the sale.
import { AppError } from '../platform/errors';
import type { Cart } from './cart';

const carts = new Map<string, Map<string, Cart>>();

function of(nodeId: string): Map<string, Cart> {
  let m = carts.get(nodeId);
  if (!m) carts.set(nodeId, (m = new Map()));
  return m;
}

export function putCart(nodeId: string, cart: Cart): void {
  of(nodeId).set(cart.id, cart);
}

export function dropCart(nodeId: string, cartId: string): void {
  of(nodeId).delete(cartId);
}

/** The cart, if it exists and `visible` says the caller may see it (else it answers as missing). */
export function getCart(nodeId: string, cartId: string, visible: (cart: Cart) => boolean): Cart {
  const cart = of(nodeId).get(cartId);
  // A cart of another store answers like a missing one: ids do not leak across stores.
  if (!cart || !visible(cart)) {
    throw new AppError('CART_NOT_FOUND', 'This cart no longer exists (finished, cleared, or the till restarted). Start a new one.', { status: 404 });
  }
  return cart;
}

/** Whether a cart is open at a till of this node (its payments are still being driven). */
export function isCartOpen(nodeId: string, cartId: string): boolean {
  return of(nodeId).get(cartId)?.status === 'open';
}
