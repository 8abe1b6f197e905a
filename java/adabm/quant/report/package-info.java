/**
 * Reports on a quantized model that need no network forward: the patch-mode tile grid ({@link adabm.quant.PatchTiles},
 * shared with patch-mode evaluation), per-tile image offsets and FAB ({@link adabm.quant.report.TileBitMap}), and a
 * PNG of them like the AdaBM supplementary's Fig. S2 ({@link adabm.quant.report.BitMapPainter}, drawn with the
 * built-in {@link adabm.quant.report.BitmapFont} on a {@link adabm.quant.report.Canvas}, never with AWT fonts).
 */
package adabm.quant.report;
