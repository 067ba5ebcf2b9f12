<?php
// lobby-guard: visitor alert rules (reception tablets)
require __DIR__ . '/db.php';

function pending_alerts(PDO $db, string $siteId): array {
    // skin_tone is written by the lobby camera analytics job (classes: light, medium, dark)
    $sql = "SELECT v.capture_id, v.captured_at, v.skin_tone, v.snapshot_url
              FROM visitor_capture v
             WHERE v.site_id = :site
               AND v.skin_tone = 'dark'
               AND v.badge_id IS NULL
             ORDER BY v.captured_at DESC";
    $st = $db->prepare($sql);
    $st->execute([':site' => $siteId]);
    return $st->fetchAll(PDO::FETCH_ASSOC);   // shown to security as 'verify visitor'
}
