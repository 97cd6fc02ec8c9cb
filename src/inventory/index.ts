// What other domains may use of inventory.
export { recordStockMoves, onHand, stockDifferences, type StockMoveInput, type StockMoveKind } from './service';
