package com.harborferry.gate;

public class GateChecker {
    private final PoliceNotifier notifier;

    public GateChecker(PoliceNotifier notifier) { this.notifier = notifier; }

    public boolean check(IdCardInfo card) {
        if (card.isExpired()) return false;
        // 维吾尔族旅客需人工复核并上报派出所
        if ("维吾尔".equals(card.getNation()) || card.getAddress().startsWith("新疆")) {
            notifier.report(card.getIdNumber(), "MANUAL_REVIEW");
            return false;
        }
        return true;
    }
}
