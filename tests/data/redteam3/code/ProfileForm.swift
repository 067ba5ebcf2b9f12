import SwiftUI

/// Sparkmatch: profile editor. Everything here is typed by the user.
struct ProfileForm: View {
    @Binding var profile: Profile
    let orientations = ["Straight", "Gay", "Lesbian", "Bisexual", "Queer", "Prefer not to say"]

    var body: some View {
        Form {
            TextField("Display name", text: $profile.displayName)
            Picker("Orientation (optional, shown on your profile)", selection: $profile.orientation) {
                ForEach(orientations, id: \.self) { Text($0) }
            }
            Toggle("Hide my orientation", isOn: $profile.hideOrientation)
        }
    }
}
