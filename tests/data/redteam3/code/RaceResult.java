package example.citymarathon.timing.model;

/** Result row of the chip-timing system; one per finisher. */
public class RaceResult {
    public enum Gender { UNKNOWN, MALE, FEMALE }
    /** 赛事类型 */
    public enum RaceType { UNKNOWN, FULL, HALF, TEN_K, FIVE_K }

    private Gender gender;
    private int age;
    private RaceType race;
    private float netTimeSeconds;
    private boolean disqualified;

    public RaceType getRace() { return race; }
    public float getNetTimeSeconds() { return netTimeSeconds; }
    public Gender getGender() { return gender; }
    public int getAge() { return age; }
    public boolean isDisqualified() { return disqualified; }
}
