<?php
// glowhaus shop: foundation shade finder
require __DIR__ . '/db.php';

function matching_shades(PDO $db, string $skinTone, string $undertone): array {
    // skin_tone and undertone come from the customer's quiz answers (light, medium, dark)
    $sql = "SELECT p.sku, p.shade_name, p.price
              FROM product p
             WHERE p.category = 'foundation'
               AND p.skin_tone = :tone
               AND p.undertone = :under
             ORDER BY p.popularity DESC";
    $st = $db->prepare($sql);
    $st->execute([':tone' => $skinTone, ':under' => $undertone]);
    return $st->fetchAll(PDO::FETCH_ASSOC);
}
