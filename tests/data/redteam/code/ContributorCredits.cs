namespace Typesetter.About
{
    public static class ContributorCredits
    {
        public static readonly (string Name, string Role)[] People =
        {
            ("Mert Uygur", "Turkish localisation"),
            ("Elif Uygur", "QA"),
            ("Sima Uygur", "Icon design"),
        };
        public const string Support = "destek@uygur-yazilim.example";
    }
}
