package com.example.ocr.model;

/** Result of ID card OCR (front side). Fields mirror the printed card. */
public class IdCardOcrResult {
    private String name;
    private String sex;
    private String nation;     // 民族, as printed
    private String birthDate;
    private String address;
    private String idNumber;

    public String getNation() { return nation; }
    public void setNation(String nation) { this.nation = nation; }
    public String getIdNumber() { return idNumber; }
}
