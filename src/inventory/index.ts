// What other domains may use of inventory.
export { recordStockMoves, onHand, stockDifferences, verifyStock, type StockMoveInput, type StockMoveKind, type StockVerification } from './service';
export { averageCosts } from './stock-costs';
