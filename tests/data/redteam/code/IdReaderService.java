package com.example.hotel.idcard;

import com.example.idsdk.CardReader;
import com.example.idsdk.BaseInfo;

/** Reads the PRC ID card at the front desk and fills the check-in form. */
public class IdReaderService {
    private final CardReader reader = new CardReader("/dev/ttyUSB0");

    public GuestForm read() {
        BaseInfo info = reader.readBaseMsg();
        GuestForm f = new GuestForm();
        f.setName(info.getName());
        f.setSex(info.getSex());
        f.setNation(info.getNation());      // 民族, as printed on the card, e.g. "汉" / "维吾尔"
        f.setBirth(info.getBirth());
        f.setAddress(info.getAddress());
        f.setIdNumber(info.getIdNumber());
        return f;
    }
}
