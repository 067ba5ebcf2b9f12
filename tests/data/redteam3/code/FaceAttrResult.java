package example.cobalteye.sdk.model;

/** Result of FaceAttrEngine.analyze(); one per detected face. */
public class FaceAttrResult {
    public enum Gender { UNKNOWN, MALE, FEMALE }
    /** 肤色人种，由属性网络输出 */
    public enum RaceType { UNKNOWN, YELLOW, BLACK, WHITE, BROWN }

    private Gender gender;
    private int age;
    private RaceType race;
    private float raceScore;
    private boolean wearingMask;

    public RaceType getRace() { return race; }
    public float getRaceScore() { return raceScore; }
    public Gender getGender() { return gender; }
    public int getAge() { return age; }
    public boolean isWearingMask() { return wearingMask; }
}
