package com.example.payroll;

/** Deductions the employee elected on form PD-3. */
public class PayrollDeductions {
    private boolean unionDuesAuthorized;   // employee-signed dues check-off
    private String  unionLocal;            // e.g. "Local 217"
    private double  pensionPercent;

    public double monthlyUnionDues(double gross) {
        return unionDuesAuthorized ? Math.round(gross * 0.013 * 100) / 100.0 : 0.0;
    }
}
