// Common family names (United States, United Kingdom, Canada, and frequent names of many other origins), written
// for this project from general knowledge. Lowercase, space-separated; gazetteer.ts turns it into a Set once.
export const SURNAMES = `
abbott acevedo acosta adams adkins aguilar aguirre ahmed alexander ali allen allison alvarado alvarez andersen
anderson andrews anthony armstrong arnold ashley atkins atkinson austin avery avila ayala bailey baker baldwin ball
ballard banks barber barker barnes barnett barr barrett barry bartlett barton bass bates bauer baxter bean beard beck
becker bell bender bennett benson bentley berg berger bernard berry best bishop black blackburn blackwell blair blake
blanchard bolton bond booker boone booth bowen bowers bowman boyd boyer boyle bradford bradley bradshaw brady brennan
brewer bridges briggs brock brooks brown browning bruce bryan bryant buchanan buck buckley bullock burch burgess burke
burnett burns burton bush butler byrd cabrera cain caldwell calhoun callahan camacho cameron campbell campos cannon
cantrell cantu cardenas carey carlson carpenter carr carrillo carroll carson carter carver case casey castaneda
castillo castro cervantes chambers chan chandler chang chapman charles chase chavez chen cheng christensen christian
chung church clark clarke clay clayton clements cline cobb cochran coffey cohen cole coleman collier collins colon
combs compton conley conner connolly conrad contreras conway cook cooke cooley cooper copeland cortez costa cote
cox craig crane crawford crosby cross cruz cummings cunningham curry curtis dalton daniel daniels davenport davidson
davies davis dawson day dean decker delacruz deleon delgado dennis diaz dickerson dickson dillon dixon dodson
dominguez donaldson donovan dorsey dougherty douglas doyle drake duarte dubois duffy duke duncan dunlap dunn duran
durham dyer eaton edwards elliott ellis ellison emerson england english erickson espinoza estrada evans everett
farmer farrell ferguson fernandez ferrell fields figueroa finch finley fischer fisher fitzgerald fitzpatrick fleming
fletcher flores flowers floyd flynn foley forbes ford foster fowler fox francis franco frank franklin frazier
frederick freeman french frost fuentes fuller gallagher gallegos galloway gamble garcia gardner garner garrett garrison
garza gates gentry george gibbs gibson gilbert giles gill gilmore glass glenn glover goldberg golden gomez gonzales
gonzalez goodman goodwin gordon gould graham grant graves gray green greene greer gregory griffin griffith grimes
gross guerra guerrero gutierrez guzman haas hahn hale haley hall hamilton hammond hampton hancock hanna hansen hanson
hardin harding hardy harmon harper harrell harrington harris harrison hart hartman harvey hatfield hawkins hayden hayes
haynes hays heath hebert henderson hendricks hendrix henry hensley henson herman hernandez herrera hess hester hicks
higgins hill hines hinton hobbs hodge hodges hoffman hogan holden holland holloway holmes holt hood hooper hoover
hopkins horn horne horton houston howard howe howell huang hubbard huber hudson huff huffman hughes hull humphrey hunt
hunter hurley hurst hutchinson ibarra ingram irwin jackson jacobs jacobson james jarvis jefferson jenkins jennings
jensen jimenez johns johnson johnston jones jordan joseph joyce juarez kane kaplan kaufman keith keller kelley kelly
kemp kennedy kent kerr key khan kidd kim king kirby kirk klein kline knapp knight knox koch kramer krause krueger
lam lamb lambert landry lane lang lara larsen larson lawrence lawson le leach lee leon leonard lester levine levy
lewis li lin lindsey little livingston lloyd logan long lopez love lowe lowery lucas luna lynch lynn lyons macdonald
mack madden maddox maldonado malone mann manning marks marquez marsh marshall martin martinez mason massey mathews
mathis matthews maxwell may mayer maynard mayo mcbride mccall mccarthy mccarty mcclain mcclure mcconnell mccormick
mccoy mccullough mcdaniel mcdonald mcdowell mcfarland mcgee mcguire mcintosh mcintyre mckay mckee mckenzie mckinney
mclaughlin mclean mcmahon mcmillan mcneil mcpherson meadows medina mejia melendez melton mendez mendoza mercado
merrill meyer meyers michael middleton miles miller mills miranda mitchell molina monroe montgomery moody moon moore
mora morales moran moreno morgan morris morrison morrow morse morton moses mosley moss mueller mullen mullins murphy
murray myers nash navarro neal nelson newman newton nguyen nichols nicholson nielsen nixon noble nolan norman norris
norton novak nunez obrien ochoa oconnell oconnor odom oliver olsen olson oneal oneill orr ortega ortiz osborne owen
owens pace pacheco padilla page palmer park parker parks parrish parsons patel patrick patterson patton paul payne
pearce pearson peck pena pennington perez perkins perry peters petersen peterson phillips pierce pittman poole pope
porter potter powell powers pratt preston price prince pruitt pugh quinn ramirez ramos ramsey randall randolph rasmussen
ray raymond reed reese reeves reid reilly reyes reynolds rhodes rice rich richards richardson richmond riddle riley
rios rivas rivera roach robbins roberson roberts robertson robinson robles rocha rodgers rodriguez rodriquez rogers
rojas rollins roman romero rosales rosario rose ross roth rowe rowland roy ruiz rush russell russo ryan salas salazar
salinas sanchez sanders sandoval santana santiago santos sargent saunders savage sawyer schmidt schneider schroeder
schultz schwartz scott sellers serrano sexton shaffer shah shannon sharp shaw shea shelton shepard shepherd sheppard
sherman shields short silva simmons simon simpson sims singh singleton skinner slater sloan small smith snow snyder
solis solomon sosa soto sparks spears spence spencer stafford stanley stanton stark steele stein stephens stephenson
stevens stevenson stewart stokes stone stout strickland strong stuart suarez sullivan summers sutton swanson sweeney
tanner tate taylor terrell terry thomas thompson thornton todd torres townsend tran travis trevino trujillo tucker
turner tyler underwood valdez valencia valentine vance vargas vasquez vaughan vaughn vazquez vega velasquez velez
villa villarreal vincent wade wagner walker wall wallace walls walsh walter walters walton wang ward ware warner
warren washington waters watkins watson watts weaver webb weber webster weeks weiss welch wells west wheeler whitaker
white whitehead whitfield whitney wiggins wilcox wilkerson wilkins wilkinson williams williamson willis wilson winters
wise wolf wolfe wong wood woodard woods woodward wright wu wyatt yang yates york young zamora zhang zimmerman
abe andersson bakshi banerjee becker bergstrom bianchi brandt castellano chatterjee choi costa da dasilva de dubois
esposito fernandes ferrari fontaine fujita gallo ghosh greco gupta hansen hashimoto hoang horvath ito iyer jain
kapoor kato kobayashi kowalski kumar kuznetsov larsson lefebvre leroy lindqvist lombardi mancini marino mehta moreau
morin murphy nakamura nowak okafor okonkwo olsen petrov popescu rao reddy ricci rossi sato schulz silva suzuki
tanaka tremblay vogel volkov wagner weber yamamoto yilmaz zhou
`;
